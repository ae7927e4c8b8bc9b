#!/usr/bin/env bash
# Installs what is missing for `make run` (and, with --test, `make test`; with --bench, `make bench`).
# Idempotent: every step is skipped when its result is already there, so a second run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0; want_bench=0
for a in "$@"; do
  case "$a" in --test) want_test=1 ;; --bench) want_test=1; want_bench=1 ;; esac
done

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf '\033[31mfrontline set-up: %s\033[0m\n' "$*" >&2; exit 1; }

# --- system packages (Debian/Ubuntu) -------------------------------------------------------------------
pkgs=()
pg_ok=0
for v in 17 16 15 14 13; do
  if [ -x "/usr/lib/postgresql/$v/bin/postgres" ] && [ -f "/usr/share/postgresql/$v/extension/postgis.control" ]; then pg_ok=1; fi
done
if [ -z "${DATABASE_URL:-}" ] && [ "$pg_ok" = 0 ]; then
  ver=15
  for v in 17 16 15 14 13; do [ -x "/usr/lib/postgresql/$v/bin/postgres" ] && { ver=$v; break; }; done
  pkgs+=("postgresql-$ver" "postgresql-$ver-postgis-3")
fi
command -v npm >/dev/null || pkgs+=(npm)
python3 -c 'import venv, ensurepip' 2>/dev/null || pkgs+=(python3-venv)
# DejaVu Sans draws the labels (Latin and Arabic) of server-rendered PNG/GIF/MP4 pictures.
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || pkgs+=(fonts-dejavu-core)
if [ "$want_test" = 1 ]; then
  [ -x /usr/bin/chromium ] || pkgs+=(chromium)
  command -v ogrinfo >/dev/null || pkgs+=(gdal-bin)
fi
if [ "$want_bench" = 1 ]; then
  command -v wrk >/dev/null || pkgs+=(wrk)
fi
if [ ${#pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo"; else
    die "missing system packages. Install them with:
    sudo apt-get update && sudo apt-get install -y ${pkgs[*]}"
  fi
  command -v apt-get >/dev/null || die "missing system packages (${pkgs[*]}) and no apt-get here; install them with your package manager"
  say "installing system packages: ${pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq || die "apt-get update failed; run: sudo apt-get update && sudo apt-get install -y ${pkgs[*]}"
  $SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null \
    || die "apt-get install failed; run: sudo apt-get install -y ${pkgs[*]}"
fi

# --- Python virtual environment ---------------------------------------------------------------------------
stamp_py=".venv/.frontline-$(sha1sum pyproject.toml | cut -c1-12)"
if [ ! -f "$stamp_py" ]; then
  say "creating the Python environment in .venv"
  [ -x .venv/bin/python ] || python3 -m venv .venv || die "could not create .venv; install python3-venv (sudo apt-get install -y python3-venv)"
  .venv/bin/pip install -q --disable-pip-version-check --upgrade pip
  .venv/bin/pip install -q --disable-pip-version-check -e '.[dev]' || die "pip install failed (see above)"
  rm -f .venv/.frontline-*; touch "$stamp_py"
fi

# --- front-end assets from the npm registry ------------------------------------------------------------
stamp_js="node_modules/.frontline-$(cat package.json package-lock.json 2>/dev/null | sha1sum | cut -c1-12)"
if [ ! -f "$stamp_js" ]; then
  say "installing front-end assets (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error || die "npm ci failed (see above)"
  touch "$stamp_js"
fi
