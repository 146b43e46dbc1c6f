#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Static checks: formatting, cppcheck, and the functions STYLE.md bans.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
files=$(git ls-files 'src/*.c' 'src/*.h' 'tests/unit/*.c' 'tests/unit/*.h' 'fuzz/*.c')

echo "lint: clang-format" >&2
clang-format --dry-run --Werror $files || status=1

echo "lint: banned functions" >&2
if grep -nE '\b(sprintf|vsprintf|strcpy|strcat|strncat|gets)\s*\(' $files; then
  echo "lint: use snprintf / sal_strlcpy / sal_buf_t instead" >&2
  status=1
fi

echo "lint: cppcheck" >&2
cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability,performance \
  --inline-suppr --suppress=missingIncludeSystem --suppress=unknownMacro -I src -D_GNU_SOURCE src || status=1

exit $status
