/* profiles.c — ward's built-in profiles as embedded YAML, loaded through the
 * same loader as user files (origin "profile:NAME"). A profile must never
 * grant more than its documented purpose (docs/policy.md lists each grant).
 */
#include <string.h>

#include "core/cleanup.h"
#include "policy/policy.h"

/* Enough of the system to run ordinary programs, with no network (lo
 * only), its own namespaces, root, /proc, /dev and private tmpfs /tmp,
 * /var/tmp, /dev/shm and HOME. Mode is left unset so "--audit" before it is
 * not undone. The toolchains people install under their home (pyenv shims,
 * pipx, rustup, nvm, conda...) are readable and executable where they exist,
 * so `ward run -- python3` runs the python3 the user's PATH finds; none is
 * writable, and nothing else under the home is granted. */
static const char profile_default[] =
	"# ward built-in profile: default\n"
	"fs:\n"
	"  exec:\n"
	"    - /usr\n"
	"    - /bin\n"
	"    - /sbin\n"
	"    - /lib\n"
	"    - {path: /lib32, optional: true}\n"
	"    - {path: /lib64, optional: true}\n"
	"    - {path: /libx32, optional: true}\n"
	"    - /etc\n"
	"    # user-level toolchains: read and run, never write\n"
	"    - {path: ~/.local/bin, optional: true}\n"
	"    - {path: ~/.local/lib, optional: true}\n"
	"    - {path: ~/.pyenv, optional: true}\n"
	"    - {path: ~/.cargo/bin, optional: true}\n"
	"    - {path: ~/.rustup, optional: true}\n"
	"    - {path: ~/.nvm, optional: true}\n"
	"    - {path: ~/.volta, optional: true}\n"
	"    - {path: ~/.asdf, optional: true}\n"
	"    - {path: ~/.local/share/mise, optional: true}\n"
	"    - {path: ~/go/bin, optional: true}\n"
	"    - {path: ~/.local/go, optional: true}\n"
	"    - {path: ~/miniconda3, optional: true}\n"
	"    - {path: ~/miniforge3, optional: true}\n"
	"    - {path: ~/anaconda3, optional: true}\n"
	"    - {path: ~/.nix-profile, optional: true}\n"
	"    - {path: /nix, optional: true}\n"
	"    - {path: /opt, optional: true}\n"
	"  write:\n"
	"    - /dev/null\n"
	"    - /dev/zero\n"
	"    - /dev/full\n"
	"    - {path: /dev/tty, optional: true}\n"
	"    - {path: /dev/pts, optional: true}\n"
	"  read:\n"
	"    - /dev/random\n"
	"    - /dev/urandom\n"
	"    - /proc\n"
	"  # the host's secrets under /etc: root inside the sandbox has\n"
	"  # no capabilities but is still their owner\n"
	"  deny:\n"
	"    - {path: /etc/shadow, optional: true}\n"
	"    - {path: /etc/shadow-, optional: true}\n"
	"    - {path: /etc/gshadow, optional: true}\n"
	"    - {path: /etc/gshadow-, optional: true}\n"
	"    - {path: /etc/ssh/ssh_host_rsa_key, optional: true}\n"
	"    - {path: /etc/ssh/ssh_host_ecdsa_key, optional: true}\n"
	"    - {path: /etc/ssh/ssh_host_ed25519_key, optional: true}\n"
	"    - {path: /etc/ssh/ssh_host_dsa_key, optional: true}\n"
	"    - {path: /etc/ssl/private, optional: true}\n"
	"  private_tmp: true\n"
	"process:\n"
	"  isolate: true\n"
	"limits:\n"
	"  pids: 512\n"
	"env:\n"
	"  drop_secrets: true\n";

/* Just enough to exec a dynamically linked binary from /usr. */
static const char profile_minimal[] = "# ward built-in profile: minimal\n"
				      "fs:\n"
				      "  exec:\n"
				      "    - /usr\n"
				      "    - /bin\n"
				      "    - /lib\n"
				      "    - {path: /lib64, optional: true}\n"
				      "  write:\n"
				      "    - /dev/null\n"
				      "process:\n"
				      "  isolate: true\n";

/* Toolchain profiles: the default profile plus what the tool reads from
 * the caller's home (configuration, installed toolchains), never a write
 * outside the private HOME. Since HOME is private, variables point the
 * tool at its real installation where it would look under HOME. */
static const char profile_python[] = "# ward built-in profile: python\n"
				     "extends: default\n"
				     "fs:\n"
				     "  read:\n"
				     "    - {path: ~/.config/pip, optional: true}\n"
				     "    - {path: ~/.pydistutils.cfg, optional: true}\n";

static const char profile_node[] = "# ward built-in profile: node\n"
				   "extends: default\n"
				   "fs:\n"
				   "  read:\n"
				   "    - {path: ~/.npmrc, optional: true}\n"
				   "  exec:\n"
				   "    - {path: ~/.npm-global, optional: true}\n";

static const char profile_git[] = "# ward built-in profile: git\n"
				  "extends: default\n"
				  "fs:\n"
				  "  read:\n"
				  "    - {path: ~/.gitconfig, optional: true}\n"
				  "    - {path: ~/.config/git, optional: true}\n"
				  "process:\n"
				  "  env:\n"
				  "    GIT_CONFIG_GLOBAL: ~/.gitconfig\n";

static const char profile_rust[] = "# ward built-in profile: rust\n"
				   "extends: default\n"
				   "fs:\n"
				   "  exec:\n"
				   "    - {path: ~/.cargo, optional: true}\n"
				   "process:\n"
				   "  env:\n"
				   "    RUSTUP_HOME: ~/.rustup\n"
				   "    CARGO_HOME: ~/.cargo\n";

static const char profile_go[] = "# ward built-in profile: go\n"
				 "extends: default\n"
				 "fs:\n"
				 "  exec:\n"
				 "    - {path: ~/go, optional: true}\n"
				 "    - {path: /usr/local/go, optional: true}\n"
				 "process:\n"
				 "  env:\n"
				 "    GOPATH: ~/go\n"
				 "    GOFLAGS: -modcacherw\n";

static const struct {
	const char *name;
	const char *yaml;
} profiles[] = {
	{"default", profile_default}, {"minimal", profile_minimal}, {"python", profile_python},
	{"node", profile_node},	      {"git", profile_git},	    {"rust", profile_rust},
	{"go", profile_go},
};

static const char *const names[] = {"default", "minimal", "python", "node",
				    "git",     "rust",	  "go",	    NULL};

const char *profile_yaml(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(profiles); i++)
		if (strcmp(profiles[i].name, name) == 0)
			return profiles[i].yaml;
	return NULL;
}

const char *const *profile_names(void)
{
	return names;
}
