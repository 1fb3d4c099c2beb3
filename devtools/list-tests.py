#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Print "NAME SUITE" for every WGC_TEST_REGISTER(_FULL) in the given C
files: test/meson.build makes one meson test of each. A file that cannot
be read, or a registration that cannot be parsed, fails the build."""
import re
import sys

REG = re.compile(r'^WGC_TEST_REGISTER(?:_FULL)?\(\s*(\w+)\s*,\s*(\w+)\s*,',
                 re.M)


def main(paths):
    seen = set()
    for path in paths:
        with open(path, encoding='utf-8') as f:
            text = f.read()
        n = text.count('\nWGC_TEST_REGISTER')
        found = REG.findall(text)
        if len(found) != n:
            sys.exit('%s: %d registrations, %d parsed' % (path, n,
                                                           len(found)))
        for name, suite in found:
            if name in seen:
                sys.exit('%s: %s registered twice' % (path, name))
            seen.add(name)
            print(name, suite)


if __name__ == '__main__':
    main(sys.argv[1:])
