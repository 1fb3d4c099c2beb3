#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Turn a file into a C array: embed.py SYMBOL INPUT OUTPUT."""
import sys

sym, src, dst = sys.argv[1:4]
data = open(src, 'rb').read()
with open(dst, 'w') as f:
    f.write('/* generated from %s by devtools/embed.py */\n' % src.split('/')[-1])
    f.write('#include <stddef.h>\n')
    f.write('const char %s[] = {\n' % sym)
    for i in range(0, len(data), 12):
        f.write('\t' + ' '.join('0x%02x,' % b for b in data[i:i + 12]) + '\n')
    f.write('\t0x00\n};\n')
    f.write('const size_t %s_len = %d;\n' % (sym, len(data)))
