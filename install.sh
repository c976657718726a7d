#!/usr/bin/env bash
# Portico installer (docs/install.md)
#
#   curl -fsSL <url>/install.sh | bash            # from the npm registry
#   ./install.sh                                   # from a checkout: builds and packs it
#   PORTICO_SOURCE=./portico-0.1.0.tgz ./install.sh
#
# Safe by construction: every statement lives in a function and the only call is on the last
# line, so a truncated download defines functions and runs nothing. Nothing is changed before
# every prerequisite has been checked. No sudo: Portico goes into $PORTICO_HOME (~/.portico).
# Run `install.sh --help` for options, environment variables and exit codes.
set -euo pipefail

usage() {
  cat <<'EOF'
Install Portico into a user prefix (no sudo) and put `portico` and `create-service` on PATH.

Usage: install.sh [options]
       curl -fsSL <url>/install.sh | bash -s -- [options]

Options:
  -y, --yes          never prompt (unattended; implied when there is no terminal)
      --quickstart   run `portico quickstart` after installing (default when interactive)
      --no-quickstart  do not run `portico quickstart`
      --force        reinstall even when the same version is already installed
      --no-modify-path  do not touch any shell profile; print the line to add instead
      --skip-docker  do not require Docker (scaffolding and config only; `up` needs Docker)
      --dry-run      check prerequisites and print what would be done; change nothing
  -h, --help         show this help

Environment:
  PORTICO_HOME     install prefix (default: ~/.portico); binaries go to $PORTICO_HOME/bin
  PORTICO_SOURCE   what to install: a .tgz made by `npm pack`, an https:// URL of one, or a
                   Portico checkout directory (built with `npm ci && npm pack`).
                   Default: the checkout this script sits in, else the npm registry.
  PORTICO_VERSION  version or dist-tag to install from the npm registry (default: latest)
  PORTICO_SHA256   expected sha256 of the PORTICO_SOURCE tarball or URL; a mismatch stops
                   the installation before anything is installed
  CI               when set, never prompt (same as --yes)

Exit codes:
  0  installed (or already up to date)
  1  the installation failed (npm, build or download error), or cancelled at the prompt
  2  invalid usage (unknown option, bad PORTICO_SOURCE or PORTICO_HOME)
  3  prerequisites missing (Node.js >= 20.18.1, npm, Docker): nothing was changed
  4  installed, but `portico quickstart` failed (its output says why)
EOF
}

# ---- output -----------------------------------------------------------------------------

say() { printf '%s\n' "$*"; }
info() { printf 'portico-install: %s\n' "$*"; }
warn() { printf 'portico-install: warning: %s\n' "$*" >&2; }
fail() {
  # fail <exit code> <message...>
  local code="$1"
  shift
  printf 'portico-install: error: %s\n' "$*" >&2
  exit "$code"
}

# ---- small helpers ----------------------------------------------------------------------

has() { command -v "$1" >/dev/null 2>&1; }

# True when a terminal can be opened for prompts (curl | bash leaves stdin to the script).
have_tty() { { : </dev/tty; } 2>/dev/null; }

is_truthy() {
  case "${1:-}" in '' | 0 | false | FALSE | False) return 1 ;; *) return 0 ;; esac
}

# version_ge A B: true when dotted version A >= B (numeric parts, pre-release tags ignored).
version_ge() {
  local a b i x y
  IFS=. read -r -a a <<<"${1%%[-+]*}"
  IFS=. read -r -a b <<<"${2%%[-+]*}"
  for i in 0 1 2; do
    x="${a[$i]:-0}"
    y="${b[$i]:-0}"
    [[ "$x" =~ ^[0-9]+$ ]] || x=0
    [[ "$y" =~ ^[0-9]+$ ]] || y=0
    if ((10#$x > 10#$y)); then return 0; fi
    if ((10#$x < 10#$y)); then return 1; fi
  done
  return 0
}

# Runs a command with a time limit when `timeout` exists (macOS has none by default).
with_timeout() {
  local seconds="$1"
  shift
  if has timeout; then timeout "$seconds" "$@"; else "$@"; fi
}

# Runs a command, or only prints it with --dry-run. Children never read the script's stdin:
# under `curl | bash` that stream is the rest of this script.
run() {
  if [ "$DRY_RUN" = 1 ]; then
    say "  would run: $*"
    return 0
  fi
  "$@" </dev/null
}

confirm() {
  # confirm <question>: default yes; only called when a terminal is available.
  local answer=""
  printf '%s [Y/n] ' "$1" >/dev/tty
  IFS= read -r answer </dev/tty || answer=n
  case "$answer" in '' | y | Y | yes | YES | Yes) return 0 ;; *) return 1 ;; esac
}

# ---- platform hints ---------------------------------------------------------------------

# Prints "macos", "apt", "dnf" or "other": which package manager hints to give.
platform() {
  if [ "$(uname -s)" = Darwin ]; then
    say macos
    return
  fi
  local id=""
  if [ -r /etc/os-release ]; then
    # shellcheck disable=SC1091 # a system file, read in a subshell for two variables
    id="$(. /etc/os-release && printf '%s %s' "${ID:-}" "${ID_LIKE:-}")"
  fi
  case " $id " in
    *" debian "* | *" ubuntu "*) say apt ;;
    *" fedora "* | *" rhel "* | *" centos "*) say dnf ;;
    *) if has apt-get; then say apt; elif has dnf; then say dnf; else say other; fi ;;
  esac
}

hint_node() {
  case "$1" in
    apt) say "    curl -fsSL https://deb.nodesource.com/setup_20.x | sudo -E bash - && sudo apt-get install -y nodejs" ;;
    dnf) say "    curl -fsSL https://rpm.nodesource.com/setup_20.x | sudo bash - && sudo dnf install -y nodejs" ;;
    macos) say "    brew install node@20 && brew link --overwrite node@20" ;;
    *) say "    download Node.js 20 LTS from https://nodejs.org/en/download" ;;
  esac
  say "    or, without sudo, with nvm (https://github.com/nvm-sh/nvm): nvm install 20 && nvm use 20"
}

hint_npm() {
  case "$1" in
    apt) say "    sudo apt-get install -y npm    (or reinstall Node.js 20 from NodeSource, which includes npm)" ;;
    dnf) say "    sudo dnf install -y npm" ;;
    macos) say "    brew reinstall node@20    (Homebrew's Node.js includes npm)" ;;
    *) say "    reinstall Node.js 20 from https://nodejs.org/en/download (it includes npm)" ;;
  esac
}

hint_docker() {
  case "$1" in
    apt) say "    sudo apt-get install -y docker.io && sudo systemctl enable --now docker && sudo usermod -aG docker \"\$USER\"" ;;
    dnf) say "    sudo dnf install -y moby-engine && sudo systemctl enable --now docker && sudo usermod -aG docker \"\$USER\"" ;;
    macos) say "    brew install --cask docker && open -a Docker    (or: brew install colima docker && colima start)" ;;
    *) say "    install Docker Engine: https://docs.docker.com/engine/install/" ;;
  esac
  say "    (then log out and back in so the docker group applies)"
}

hint_docker_engine() {
  # hint_docker_engine <platform> <docker error text>
  case "$2" in
    *"permission denied"* | *"Permission denied"*)
      say "    your user may not use the Docker socket: sudo usermod -aG docker \"\$USER\", then log out and back in"
      return
      ;;
  esac
  case "$1" in
    macos) say "    start Docker Desktop (open -a Docker) or colima (colima start), then run this installer again" ;;
    *) say "    start the engine: sudo systemctl start docker    (or check DOCKER_HOST=${DOCKER_HOST:-unset})" ;;
  esac
}

# ---- prerequisites ----------------------------------------------------------------------

MIN_NODE=20.18.1

# Checks everything before anything is changed; prints every missing piece with its fix.
check_prerequisites() {
  local os problems=0 node_version docker_err
  os="$(platform)"

  if ! has node; then
    say "missing: Node.js >= $MIN_NODE (no \`node\` on PATH). Install it:"
    hint_node "$os"
    problems=$((problems + 1))
  else
    node_version="$(node -p 'process.versions.node' 2>/dev/null || say 0)"
    if ! version_ge "$node_version" "$MIN_NODE"; then
      say "too old: Node.js $node_version at $(command -v node); Portico needs >= $MIN_NODE. Install it:"
      hint_node "$os"
      problems=$((problems + 1))
    else
      info "Node.js $node_version ($(command -v node))"
    fi
  fi

  if ! has npm; then
    say "missing: npm (no \`npm\` on PATH). Install it:"
    hint_npm "$os"
    problems=$((problems + 1))
  else
    info "npm $(npm --version 2>/dev/null </dev/null || say '?')"
  fi

  if [ "$SKIP_DOCKER" = 1 ]; then
    info "Docker not checked (--skip-docker): \`portico up\` and quickstart need it"
  elif ! has docker; then
    say "missing: Docker (no \`docker\` client on PATH). Install it:"
    hint_docker "$os"
    problems=$((problems + 1))
  elif ! docker_err="$(with_timeout 20 docker version --format '{{.Server.Version}}' 2>&1 </dev/null)"; then
    say "not reachable: the Docker engine ($(printf '%s' "$docker_err" | tail -n 1))"
    hint_docker_engine "$os" "$docker_err"
    problems=$((problems + 1))
  else
    info "Docker engine $docker_err"
  fi

  if [ "$problems" -gt 0 ]; then
    say ""
    say "Nothing was changed. Install what is listed above, then run this installer again."
    exit 3
  fi
}

# ---- where to install from --------------------------------------------------------------

# Directory of this script when it was run from a file (empty under `curl | bash`).
script_dir() {
  local src="${BASH_SOURCE[0]:-}"
  if [ -n "$src" ] && [ -f "$src" ]; then
    (cd "$(dirname "$src")" && pwd)
  fi
}

is_checkout() {
  [ -f "$1/package.json" ] && [ -f "$1/install.sh" ] && [ -d "$1/src" ] &&
    grep -q '"name": *"portico"' "$1/package.json"
}

# Sets SOURCE_KIND (tarball|url|checkout|registry) and SOURCE from PORTICO_SOURCE or defaults.
resolve_source() {
  local src="${PORTICO_SOURCE:-}" here
  if [ -z "$src" ]; then
    here="$(script_dir)"
    if [ -n "$here" ] && is_checkout "$here"; then
      SOURCE_KIND=checkout
      SOURCE="$here"
    else
      SOURCE_KIND=registry
      SOURCE="portico@${PORTICO_VERSION:-latest}"
    fi
    return
  fi
  case "$src" in
    https://* | http://*)
      SOURCE_KIND=url
      SOURCE="$src"
      ;;
    *)
      if [ -d "$src" ]; then
        is_checkout "$src" || fail 2 "PORTICO_SOURCE=$src is a directory but not a Portico checkout"
        SOURCE_KIND=checkout
        SOURCE="$(cd "$src" && pwd)"
      elif [ -f "$src" ]; then
        SOURCE_KIND=tarball
        SOURCE="$(cd "$(dirname "$src")" && pwd)/$(basename "$src")"
      else
        fail 2 "PORTICO_SOURCE=$src does not exist (expected a .tgz from \`npm pack\`, a URL or a checkout)"
      fi
      ;;
  esac
}

# Version inside a tarball made by `npm pack`.
tarball_version() {
  tar -xzOf "$1" package/package.json | node -e \
    'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s).version))'
}

package_json_version() {
  node -p 'require(process.argv[1]).version' "$1"
}

# Version that SOURCE would install, or empty when it cannot be known without fetching.
source_version() {
  case "$SOURCE_KIND" in
    tarball) tarball_version "$SOURCE" 2>/dev/null || fail 2 "PORTICO_SOURCE=$SOURCE is not a tarball made by \`npm pack\`" ;;
    checkout) package_json_version "$SOURCE/package.json" ;;
    registry) npm view "$SOURCE" version 2>/dev/null </dev/null || true ;;
    url) ;;
  esac
}

installed_version() {
  local pkg="$PORTICO_HOME/lib/node_modules/portico/package.json"
  if [ -f "$pkg" ] && [ -x "$PORTICO_HOME/bin/portico" ]; then
    package_json_version "$pkg" 2>/dev/null || true
  fi
}

make_tmp() {
  if [ -z "$TMP_DIR" ]; then
    TMP_DIR="$(mktemp -d "${TMPDIR:-/tmp}/portico-install.XXXXXX")"
  fi
}

cleanup() {
  if [ -n "${TMP_DIR:-}" ]; then rm -rf "$TMP_DIR"; fi
}

# Sets INSTALL_TARGET to what `npm install -g` takes for SOURCE (downloading or packing it).
# Not run in a $(subshell): the temporary directory must be known to the EXIT trap.
fetch_source() {
  case "$SOURCE_KIND" in
    tarball | registry) INSTALL_TARGET="$SOURCE" ;;
    url)
      make_tmp
      INSTALL_TARGET="$TMP_DIR/portico.tgz"
      run curl --fail --silent --show-error --location --proto '=https,http' \
        --output "$INSTALL_TARGET" "$SOURCE" || fail 1 "could not download $SOURCE"
      ;;
    checkout)
      make_tmp
      # npm ci only when node_modules is missing or older than the lockfile: a second run
      # does not reinstall the checkout's dependencies.
      if [ ! -f "$SOURCE/node_modules/.package-lock.json" ] ||
        [ "$SOURCE/package-lock.json" -nt "$SOURCE/node_modules/.package-lock.json" ]; then
        (cd "$SOURCE" && run npm ci --no-audit --no-fund) || fail 1 "npm ci failed in $SOURCE"
      fi
      # prepack runs `npm run build`.
      (cd "$SOURCE" && run npm pack --silent --pack-destination "$TMP_DIR") ||
        fail 1 "npm pack failed in $SOURCE (see the build output above)"
      INSTALL_TARGET="$(find "$TMP_DIR" -maxdepth 1 -name 'portico-*.tgz' | head -n 1)"
      if [ "$DRY_RUN" = 1 ]; then INSTALL_TARGET="$TMP_DIR/portico-<version>.tgz"; fi
      ;;
  esac
}

# ---- install ----------------------------------------------------------------------------

install_package() {
  local wanted installed
  # A URL is downloaded first (into the temporary directory) so its version can be compared.
  if [ "$SOURCE_KIND" = url ]; then
    fetch_source
    wanted=""
    if [ "$DRY_RUN" = 0 ]; then
      wanted="$(tarball_version "$INSTALL_TARGET" 2>/dev/null)" || fail 1 "$SOURCE is not a tarball made by \`npm pack\`"
    fi
  else
    wanted="$(source_version)"
  fi
  installed="$(installed_version)"
  if [ -n "$installed" ] && [ "$installed" = "$wanted" ] && [ "$FORCE" = 0 ]; then
    info "Portico $installed is already installed in $PORTICO_HOME (use --force to reinstall)"
    return 0
  fi
  info "installing Portico ${wanted:-from $SOURCE} into $PORTICO_HOME (from $SOURCE_KIND: $SOURCE)"
  if [ "$SOURCE_KIND" != url ]; then fetch_source; fi
  verify_checksum
  run mkdir -p "$PORTICO_HOME"
  run npm install --global --prefix "$PORTICO_HOME" --no-audit --no-fund --no-update-notifier \
    --loglevel=error "$INSTALL_TARGET" || fail 1 "npm install failed (see the npm output above)"
}

sha256_of() {
  if has sha256sum; then
    sha256sum "$1" | cut -d ' ' -f 1
  else
    shasum -a 256 "$1" | cut -d ' ' -f 1
  fi
}

# With PORTICO_SHA256 set, the tarball (local or downloaded) must have that digest.
verify_checksum() {
  local expected="${PORTICO_SHA256:-}" actual
  if [ -z "$expected" ] || [ "$DRY_RUN" = 1 ]; then return 0; fi
  case "$SOURCE_KIND" in
    tarball | url) ;;
    *) fail 2 "PORTICO_SHA256 applies to a tarball or URL in PORTICO_SOURCE, not to a $SOURCE_KIND" ;;
  esac
  actual="$(sha256_of "$INSTALL_TARGET")"
  if [ "$actual" != "$expected" ]; then
    fail 1 "checksum mismatch for $SOURCE: expected $expected, got $actual (nothing was installed)"
  fi
  info "sha256 verified ($actual)"
}

# Profile file for the user's login shell, or empty when we do not know how to edit it.
profile_file() {
  case "$(basename "${SHELL:-sh}")" in
    zsh) say "${ZDOTDIR:-$HOME}/.zshrc" ;;
    bash)
      # macOS Terminal starts login shells, which read ~/.bash_profile and not ~/.bashrc.
      if [ "$(uname -s)" = Darwin ]; then say "$HOME/.bash_profile"; else say "$HOME/.bashrc"; fi
      ;;
    fish) ;;
    *) say "$HOME/.profile" ;;
  esac
}

# One POSIX line that works in sh, bash and zsh, and never duplicates the PATH entry.
path_line() {
  # shellcheck disable=SC2016 # $PATH is expanded by the shell reading the profile, not here
  printf 'case ":$PATH:" in *":%s:"*) ;; *) export PATH="%s:$PATH" ;; esac  # added by the Portico installer\n' \
    "$BIN_DIR" "$BIN_DIR"
}

update_path() {
  local profile="$PROFILE" line
  line="$(path_line)"
  if [ "$MODIFY_PATH" = 0 ] || [ -z "$profile" ]; then
    if [ -z "$profile" ]; then info "your shell ($SHELL) is not edited automatically."; fi
    say "Add $BIN_DIR to PATH, e.g. add this line to your shell profile:"
    say "  $line"
    return 0
  fi
  if [ -f "$profile" ] && grep -qF "$BIN_DIR" "$profile"; then
    info "$profile already puts $BIN_DIR on PATH"
    return 0
  fi
  if [ "$DRY_RUN" = 1 ]; then
    say "  would append to $profile: $line"
    return 0
  fi
  # Keep the file's last line intact when it has no trailing newline.
  if [ -s "$profile" ] && [ -n "$(tail -c 1 "$profile")" ]; then printf '\n' >>"$profile"; fi
  printf '%s\n' "$line" >>"$profile"
  info "added $BIN_DIR to PATH in $profile (open a new shell, or run: . \"$profile\")"
}

report_version() {
  local version shadow
  if [ "$DRY_RUN" = 1 ]; then return 0; fi
  version="$("$BIN_DIR/portico" --version </dev/null)" || fail 1 "$BIN_DIR/portico does not run"
  say "Portico $version is installed: $BIN_DIR/portico and $BIN_DIR/create-service"
  shadow="$(command -v portico 2>/dev/null || true)"
  if [ -n "$shadow" ] && [ "$shadow" != "$BIN_DIR/portico" ]; then
    warn "another portico comes first on your PATH: $shadow"
  fi
}

run_quickstart() {
  info "running: portico quickstart --yes"
  if [ "$DRY_RUN" = 1 ]; then return 0; fi
  local status=0
  if have_tty; then
    "$BIN_DIR/portico" quickstart --yes </dev/tty || status=$?
  else
    "$BIN_DIR/portico" quickstart --yes </dev/null || status=$?
  fi
  if [ "$status" -ne 0 ]; then
    say "Portico is installed, but \`portico quickstart\` failed (exit $status); see above." >&2
    exit 4
  fi
}

# ---- main -------------------------------------------------------------------------------

parse_args() {
  while [ "$#" -gt 0 ]; do
    case "$1" in
      -y | --yes) ASSUME_YES=1 ;;
      --quickstart) QUICKSTART=yes ;;
      --no-quickstart) QUICKSTART=no ;;
      --force) FORCE=1 ;;
      --no-modify-path) MODIFY_PATH=0 ;;
      --skip-docker) SKIP_DOCKER=1 ;;
      --dry-run) DRY_RUN=1 ;;
      -h | --help)
        usage
        exit 0
        ;;
      *)
        usage >&2
        fail 2 "unknown option: $1"
        ;;
    esac
    shift
  done
}

main() {
  ASSUME_YES=0 QUICKSTART=auto FORCE=0 MODIFY_PATH=1 SKIP_DOCKER=0 DRY_RUN=0
  SOURCE_KIND="" SOURCE="" TMP_DIR="" INSTALL_TARGET=""
  parse_args "$@"
  if is_truthy "${CI:-}" || ! have_tty; then ASSUME_YES=1; fi

  PORTICO_HOME="${PORTICO_HOME:-$HOME/.portico}"
  case "$PORTICO_HOME" in
    /*) ;;
    *) PORTICO_HOME="$PWD/$PORTICO_HOME" ;;
  esac
  # The PATH line is written verbatim into a profile that sh, bash or zsh reads.
  case "$PORTICO_HOME" in
    *[\"\$\`\\]* | *$'\n'*) fail 2 "PORTICO_HOME must not contain quotes, \$, backquotes, backslashes or newlines" ;;
  esac
  BIN_DIR="$PORTICO_HOME/bin"
  PROFILE="$(profile_file)"

  check_prerequisites
  resolve_source
  trap cleanup EXIT

  if [ "$QUICKSTART" = auto ]; then
    if [ "$ASSUME_YES" = 1 ] || [ "$SKIP_DOCKER" = 1 ]; then QUICKSTART=no; else QUICKSTART=yes; fi
  fi
  if [ "$ASSUME_YES" = 0 ] && [ "$DRY_RUN" = 0 ]; then
    say "This installs Portico into $PORTICO_HOME (from $SOURCE_KIND: $SOURCE)"
    say "and puts $BIN_DIR on PATH in ${PROFILE:-your shell profile}."
    if [ "$QUICKSTART" = yes ]; then say "Then it runs \`portico quickstart\` in $PWD/portico-demo."; fi
    confirm "Continue?" || fail 1 "cancelled; nothing was changed"
  fi

  install_package
  update_path
  report_version
  if [ "$QUICKSTART" = yes ]; then run_quickstart; fi
}

main "$@"
