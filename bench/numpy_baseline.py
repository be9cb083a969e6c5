#!/usr/bin/python3
"""The NumPy baseline of the benchmark (bench/README.md): local SGD with periodic averaging on
least squares, vectorised over workers, written the way a researcher would write it instead of
using the simulator. Same shapes and the same work as the simulator's run (p workers, each drawing
B rows with replacement from its own i.i.d. shard per step, x <- x - eta * mean gradient, the
models replaced by their mean after steps tau, 2 tau, ..., T; F and |grad F|^2 at x-bar at t = 0
and t = T), but NumPy's own random numbers: the data and samples differ from the simulator's,
the distributions do not, so its final loss is comparable only statistically.

Prints one JSON object per timed run: "seconds" is the loop with the two evaluations, not the data
generation; "data_seconds" is the data generation (once per process, before the runs). The whole
process (interpreter start, importing NumPy, data, runs) is timed from outside (bench/run.py).
"""
import argparse
import json
import time

import numpy as np


def make_data(p, m, d, noise, seed):
    """Rows a_j ~ N(0, I), y = A x_true + noise * N(0, 1), shuffled into p shards of m rows."""
    rng = np.random.default_rng(seed)
    n = p * m
    x_true = rng.standard_normal(d)
    a = rng.standard_normal((n, d))
    y = a @ x_true + noise * rng.standard_normal(n)
    perm = rng.permutation(n)
    return a[perm].reshape(p, m, d), y[perm].reshape(p, m)


def metrics(a, y, xbar):
    n = y.size
    r = a.reshape(n, -1) @ xbar - y.reshape(n)
    g = a.reshape(n, -1).T @ r / n
    return float(r @ r / (2 * n)), float(g @ g)


def local_sgd(a, y, batch, tau, steps, eta, seed):
    p, m, d = a.shape
    rng = np.random.default_rng(seed)
    w = np.zeros((p, d))
    workers = np.arange(p)[:, None]
    start = metrics(a, y, w.mean(axis=0))
    for t in range(1, steps + 1):
        idx = rng.integers(0, m, size=(p, batch))
        ab = a[workers, idx]                           # (p, B, d): each worker's mini-batch
        r = np.einsum("pbd,pd->pb", ab, w) - y[workers, idx]
        g = np.einsum("pb,pbd->pd", r, ab) / batch     # (p, d): each worker's gradient
        w -= eta * g
        if t % tau == 0 or t == steps:
            w[:] = w.mean(axis=0)
    end = metrics(a, y, w[0])
    return start, end


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--workers", type=int, required=True)
    ap.add_argument("--dim", type=int, required=True)
    ap.add_argument("--samples-per-worker", type=int, required=True)
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--period", type=int, required=True)
    ap.add_argument("--steps", type=int, required=True)
    ap.add_argument("--eta", type=float, required=True)
    ap.add_argument("--noise", type=float, default=0.1)
    ap.add_argument("--data-seed", type=int, default=0)
    ap.add_argument("--seeds", default="0", help="comma-separated run seeds")
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    generation_started = time.perf_counter()
    a, y = make_data(args.workers, args.samples_per_worker, args.dim, args.noise, args.data_seed)
    data_seconds = time.perf_counter() - generation_started
    for rep in range(args.repeat):
        for seed in [int(s) for s in args.seeds.split(",")]:
            started = time.perf_counter()
            start, end = local_sgd(a, y, args.batch, args.period, args.steps, args.eta, 1000 + seed)
            seconds = time.perf_counter() - started
            print(json.dumps({"threads": 1, "seed": seed, "repetition": rep, "seconds": seconds,
                              "data_seconds": data_seconds,
                              "sample_gradients": args.workers * args.steps * args.batch,
                              "start_loss": start[0], "final_loss": end[0], "final_grad_norm_sq": end[1]}),
                  flush=True)


if __name__ == "__main__":
    main()
