#!/bin/sh
# The project's virtualenv on a supported Python, for the Makefile (make run, make test, make versions).
#
#   scripts/venv.sh which               print the interpreter make would use
#   scripts/venv.sh build VENV EXTRAS   create or update VENV with the project and its extras (e.g. test,docs,serve)
#
# The interpreter is $PYTHON if set, else the first of python3.11, python3.12, python3.13, python3 on PATH that runs
# and is one of the supported versions. A venv built with another interpreter (version or path) is rebuilt, never
# reused. durable-rules 2.0.28 (source only, compiled here) needs a define on 3.13: see README, Python versions.
set -eu

SUPPORTED="3.11 3.12 3.13"
NAMED="Python 3.11, 3.12 or 3.13"
CANDIDATES="python3.11 python3.12 python3.13 python3"
# Python 3.13 removed PyEval_CallObject, which durable-rules' C extension calls; the replacement takes the same
# arguments. Without it the build succeeds and the import fails (undefined symbol).
DEFINE_313="-DPyEval_CallObject=PyObject_CallObject"

die() { echo "make: $*" >&2; exit 1; }

# "X.Y" of an interpreter that runs, or nothing (a pyenv shim of a version not selected exits non-zero).
minor_of() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true; }

supported() { case " $SUPPORTED " in *" $1 "*) return 0 ;; esac; return 1; }

pick() {
    if [ -n "${PYTHON:-}" ]; then
        command -v "$PYTHON" >/dev/null 2>&1 || die "PYTHON=$PYTHON: not found. Supported: $NAMED."
        v=$(minor_of "$PYTHON")
        [ -n "$v" ] || die "PYTHON=$PYTHON does not run ($("$PYTHON" -V 2>&1 | tr -s '\n ' '  ' | sed 's/ *$//'))." \
            "Supported: $NAMED."
        supported "$v" || die "PYTHON=$PYTHON is Python $v; this project supports $NAMED" \
            "(see README, Python versions)."
        echo "$PYTHON"
        return
    fi
    for p in $CANDIDATES; do
        command -v "$p" >/dev/null 2>&1 || continue
        v=$(minor_of "$p")
        if [ -n "$v" ] && supported "$v"; then echo "$p"; return; fi
    done
    die "no supported Python found: this project needs $NAMED (tried $CANDIDATES on PATH)." \
        "Install one, or run make PYTHON=/path/to/python3.X"
}

# What identifies an interpreter: its version and its installation (a venv's python reports the one it was made
# from), so a venv is compared with the interpreter picked without a record of our own.
identity() {
    "$1" -c 'import platform, sys; print(platform.python_version(), sys.base_prefix)' 2>/dev/null || true
}

build() {
    venv=$1
    extras=$2
    py=$(pick)
    want=$(identity "$py")
    if [ -e "$venv" ] || [ -L "$venv" ]; then
        have=$(identity "$venv/bin/python")
        if [ "$have" != "$want" ]; then
            echo "make: $venv is Python ${have:-(broken)}; rebuilding it for Python $want ($py)"
            rm -rf "$venv"
        fi
    fi
    if [ -f "$venv/.installed" ] && [ "$venv/.installed" -nt pyproject.toml ]; then
        return
    fi
    echo "make: installing into $venv with Python $want ($py)"
    [ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
    "$venv/bin/pip" install --quiet --upgrade pip
    case $("$venv/bin/python" -c 'import sys; print(sys.version_info >= (3, 13))') in
        True)
            # Built first, with the define, and never from pip's wheel cache (a wheel built without it imports
            # nothing); the pin is the one in pyproject.toml.
            pin=$(grep -o '"durable-rules==[^"]*"' pyproject.toml | tr -d '"')
            [ -n "$pin" ] || die "no durable-rules pin found in pyproject.toml"
            CPPFLAGS="$DEFINE_313 ${CPPFLAGS:-}" "$venv/bin/pip" install --quiet --no-cache-dir "$pin"
            ;;
    esac
    "$venv/bin/pip" install --quiet -e ".[$extras]"
    "$venv/bin/python" -c 'import durable_rules_engine, durable.engine' \
        || die "durable-rules was installed into $venv but does not import on Python $want (see README, Python versions)"
    touch "$venv/.installed"
}

case ${1:-} in
    which) pick ;;
    build) [ $# -eq 3 ] || die "usage: scripts/venv.sh build VENV EXTRAS"; build "$2" "$3" ;;
    *) die "usage: scripts/venv.sh which | build VENV EXTRAS" ;;
esac
