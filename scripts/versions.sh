#!/bin/sh
# The Python version matrix (make versions; CI runs it after make test): on each version of MATRIX (default 3.12
# 3.13), in its own venv .venv-X.Y built like .venv (scripts/venv.sh, python X.Y from PATH), the engine's tests and
# the example rulings; then every ruling compared byte for byte with the one from .venv (the version make test ran
# the whole suite on). Any test failure or any difference fails the run.
set -eu

MATRIX=${MATRIX:-"3.12 3.13"}
ENGINE_TESTS="tests/test_engine_canaries.py tests/test_engine_boundary.py tests/test_differential.py
tests/test_engine_load_checks.py tests/test_engine_warnings.py"
OUT=build/rulings

die() { echo "versions: $*" >&2; exit 1; }

version_of() { "$1/bin/python" -c 'import platform; print(platform.python_version())'; }

# policy check (every case with expectations, the repository digest) and every example file as JSON rulings.
rulings() {
    venv=$1
    dir=$2
    rm -rf "$dir"
    mkdir -p "$dir"
    "$venv/bin/policy" check > "$dir/check.txt" || die "policy check failed on $(version_of "$venv"): $dir/check.txt"
    for f in examples/*.yaml; do
        "$venv/bin/policy" eval "$f" --format json > "$dir/$(basename "$f" .yaml).json" \
            || die "policy eval $f failed on $(version_of "$venv")"
    done
}

[ -x .venv/bin/policy ] || die ".venv is missing: run make test (or make venv) first"
base=$(version_of .venv)
rm -rf "$OUT"
rulings .venv "$OUT/$base"
versions=$base

for v in $MATRIX; do
    venv=.venv-$v
    echo "versions: Python $v: building $venv"
    PYTHON=python$v scripts/venv.sh build "$venv" test
    have=$(version_of "$venv")
    case $have in "$v".*) ;; *) die "$venv is Python $have, not $v" ;; esac
    echo "versions: Python $have: the engine's tests"
    # shellcheck disable=SC2086 # the list of test files is split on purpose
    "$venv/bin/pytest" -q -p no:cacheprovider $ENGINE_TESTS || die "the engine's tests failed on Python $have"
    echo "versions: Python $have: the example rulings"
    rulings "$venv" "$OUT/$have"
    versions="$versions $have"
done

echo "versions: every ruling compared with Python $base's (sha256 of each file; repository digest from policy check)"
status=0
for f in "$OUT/$base"/*; do
    name=$(basename "$f")
    line=$(printf '%-16s' "$name")
    for v in $versions; do
        other="$OUT/$v/$name"
        if cmp -s "$f" "$other"; then
            line="$line $v:$(sha256sum "$other" | cut -c1-12)"
        else
            line="$line $v:DIFFERENT"
            status=1
            diff -u "$f" "$other" | head -n 20 >&2 || true
        fi
    done
    echo "  $line"
done
digests=$(grep -ho 'digest sha256:[0-9a-f]*' "$OUT"/*/check.txt | sort -u)
echo "  repository $digests"
[ "$(echo "$digests" | wc -l)" -eq 1 ] || status=1
[ $status -eq 0 ] || die "rulings differ between Python versions ($OUT/)"
echo "versions: identical on Python $versions"
