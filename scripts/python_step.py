#!/usr/bin/env python3
"""The lessons' way of taking a gradient step on the peaks surface, timed.

The course derives the exact gradient with sympy, turns it into Python
functions with `lambdify`, and steps `p <- p - lr * grad(p)` in a Python
loop. This script does the same and prints the time per step, so that
BENCHMARKS.md can compare downhill's `step/expression` against a figure
measured on the same machine at the same time.

    python3 scripts/python_step.py            # numpy and math back-ends
    STEPS=20000 python3 scripts/python_step.py
"""
import os
import time

import sympy as sp

x, y = sp.symbols("x y")
z = (
    3 * (1 - x) ** 2 * sp.exp(-(x**2) - (y + 1) ** 2)
    - 10 * (x / 5 - x**3 - y**5) * sp.exp(-(x**2) - y**2)
    - sp.Rational(1, 3) * sp.exp(-((x + 1) ** 2) - y**2)
)
dzdx = sp.diff(z, x)
dzdy = sp.diff(z, y)
STEPS = int(os.environ.get("STEPS", "100000"))
LR = 0.01


def timed(modules):
    fz = sp.lambdify((x, y), z, modules)
    fx = sp.lambdify((x, y), dzdx, modules)
    fy = sp.lambdify((x, y), dzdy, modules)
    if modules == "numpy":
        import numpy as np

        p = np.array([-1.16863321, 1.13352453])

        def step(p):
            loss = fz(p[0], p[1])
            g = np.array([fx(p[0], p[1]), fy(p[0], p[1])])
            return p - LR * g, loss

    else:
        p = (-1.16863321, 1.13352453)

        def step(p):
            loss = fz(p[0], p[1])
            gx, gy = fx(p[0], p[1]), fy(p[0], p[1])
            return (p[0] - LR * gx, p[1] - LR * gy), loss

    best = float("inf")
    for _ in range(5):
        q = p
        t0 = time.perf_counter()
        for _ in range(STEPS):
            q, _loss = step(q)
        best = min(best, (time.perf_counter() - t0) / STEPS)
    print(f"{modules:6} {best * 1e6:8.2f} us/step  (best of 5 x {STEPS} steps)  end {tuple(float(v) for v in q)}")


for m in ("numpy", "math"):
    try:
        timed(m)
    except ImportError as e:
        print(f"{m}: skipped ({e})")
