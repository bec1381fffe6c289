/* env_secrets.c — which environment variable names look like secrets, so
 * the default profile can keep them out of the sandbox (env.drop_secrets).
 * Pure. Names are matched by their words (split at '_', case-insensitive),
 * never by substring: GITHUB_TOKEN and DB_PASSWORD are secrets, KEYBOARD and
 * TOKENIZERS_PARALLELISM are not. docs/policy.md lists the same rules.
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "policy/policy_internal.h"

/* A word anywhere in the name. */
static const char *const secret_words[] = {
	"TOKEN",      "TOKENS",	     "SECRET", "SECRETS", "PASSWORD", "PASSWD", "PASSPHRASE",
	"CREDENTIAL", "CREDENTIALS", "APIKEY", "AUTH",	  "COOKIE",   NULL,
};

/* The name's first word: whole families of credentials. */
static const char *const secret_prefixes[] = {"AWS", "GITHUB", "AZURE", NULL};

/* Whole names that grant access without looking like a secret. */
static const char *const secret_names[] = {
	"SSH_AUTH_SOCK",
	"GPG_AGENT_INFO",
	"KRB5CCNAME",
	"NETRC",
	"DATABASE_URL",
	/* One word, or a word no rule knows: libpq's and MySQL's passwords,
	 * and Sentry's DSN (its key is in the URL). */
	"PGPASSWORD",
	"MYSQL_PWD",
	"SENTRY_DSN",
	NULL,
};

static bool word_is(const char *word, size_t n, const char *const *list)
{
	for (const char *const *w = list; *w; w++)
		if (strlen(*w) == n && strncasecmp(word, *w, n) == 0)
			return true;
	return false;
}

bool env_name_looks_secret(const char *name, size_t len)
{
	for (const char *const *w = secret_names; *w; w++)
		if (strlen(*w) == len && strncasecmp(name, *w, len) == 0)
			return true;
	size_t words = 0;
	const char *last = NULL, *before_last = NULL;
	size_t last_n = 0, before_last_n = 0;
	for (size_t i = 0; i < len;) {
		size_t n = 0;
		while (i + n < len && name[i + n] != '_')
			n++;
		if (n) {
			const char *word = name + i;
			/* A prefix only counts with more after it: "AWS" alone
			 * is a name, "AWS_REGION" is the family. */
			if (words == 0 && i + n < len && word_is(word, n, secret_prefixes))
				return true;
			if (word_is(word, n, secret_words))
				return true;
			before_last = last;
			before_last_n = last_n;
			last = word;
			last_n = n;
			words++;
		}
		i += n + 1;
	}
	/* *_KEY and *_KEY_ID: "KEY" alone is not enough, "KEYBOARD" never. */
	if (words >= 2 && last_n == 3 && strncasecmp(last, "KEY", 3) == 0)
		return true;
	if (words >= 3 && last_n == 2 && strncasecmp(last, "ID", 2) == 0 && before_last_n == 3 &&
	    strncasecmp(before_last, "KEY", 3) == 0)
		return true;
	return false;
}

bool policy_drops_env(const struct ward_policy *policy, const char *name, size_t len)
{
	if (!policy->drop_secret_env || !env_name_looks_secret(name, len))
		return false;
	for (size_t i = 0; i < policy->env_pass.len; i++) {
		const char *kept = policy->env_pass.items[i];
		if (strlen(kept) == len && strncmp(kept, name, len) == 0)
			return false;
	}
	return true;
}
