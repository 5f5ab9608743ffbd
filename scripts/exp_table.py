#!/usr/bin/env python3
"""Print the table of src/descent/expr/native/vexp.rs: for k = 0..127,
H = 2^(k/128) rounded to the nearest double and T = (2^(k/128) - H) / H
rounded to the nearest double, so that 2^(k/128) = H·(1 + T) to about 2^-106.
Stored as the bits of T, then the bits of H less k << 45 (the exponent step
the code adds back). 2^(k/128) is computed with 80 significant digits and
every rounding to a double is exact (Fraction → float rounds correctly).

    python3 scripts/exp_table.py
"""
import struct
from decimal import Decimal, getcontext
from fractions import Fraction

getcontext().prec = 80


def bits(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


ln2 = Decimal(2).ln()
words = []
for k in range(128):
    e = Fraction((Decimal(k) / 128 * ln2).exp())
    h = float(e)
    t = float((e - Fraction(h)) / Fraction(h))
    words += [bits(t), (bits(h) - (k << 45)) % (1 << 64)]
for i in range(0, len(words), 4):
    print("    " + " ".join(f"0x{w:016x}," for w in words[i : i + 4]))
