/* net_refresh.h — host names re-resolved while the sandbox runs, as their
 * DNS TTL says (net_refresh.c; plan.net_names). Driven by the monitor.
 */
#ifndef WARD_NET_REFRESH_H
#define WARD_NET_REFRESH_H

#include "core/error.h"

struct ward_sandbox;
struct net_refresh;

/* Starts re-resolving the plan's net_names, updating the layer that holds
 * their rules (plan.net_names_layer). *OUT stays NULL when there is none. */
int net_refresh_start(struct ward_sandbox *sb, struct net_refresh **out, ward_error *err);
/* After it the sandbox is never touched again (a query under way is
 * abandoned, not waited for). Idempotent. */
void net_refresh_stop(struct net_refresh *nr);
/* Stops and releases (NULL: nothing). */
void net_refresh_free(struct net_refresh *nr);

#endif
