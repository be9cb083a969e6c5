#!/usr/bin/python3
"""The exact stationary consensus distance of D-SGD (gossip after every step, Metropolis-Hastings
weights) on the claim's quadratic, after the gossip step:
    (1/n) sum_{k>=2} sum_h lambda_k^2 eta^2 s^2 / (1 - lambda_k^2 (1 - eta h)^2),  s^2 = sigma^2/(d B),
with h evenly spaced in [0.5, 2] (the spec's "linear" spectrum), for the ring, the 2-D torus and
the static exponential graph on 16 and 64 nodes, and the log-log slope against the spectral gap.
Usage: spectral_sum.py DIM ETA SIGMA2 BATCH   (the claim: 50 0.02 4 2). Needs NumPy."""
import sys

import numpy as np


def ring(n):
    a = np.zeros((n, n))
    for i in range(n):
        a[i, (i + 1) % n] = a[(i + 1) % n, i] = 1
    return a


def torus(n):
    rows = int(round(np.sqrt(n)))  # 16: 4 x 4, 64: 8 x 8 (the engine's default sides)
    cols = n // rows
    a = np.zeros((n, n))
    for i in range(rows):
        for j in range(cols):
            u = i * cols + j
            for v in (((i + 1) % rows) * cols + j, i * cols + (j + 1) % cols):
                if v != u:
                    a[u, v] = a[v, u] = 1
    return a


def exponential(n):
    a = np.zeros((n, n))
    k = 1
    while k < n:
        for i in range(n):
            a[i, (i + k) % n] = a[(i + k) % n, i] = 1
        k *= 2
    return a


def metropolis_hastings(a):
    n = len(a)
    degree = a.sum(axis=1)
    w = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            if a[i, j]:
                w[i, j] = 1 / (1 + max(degree[i], degree[j]))
        w[i, i] = 1 - w[i].sum()
    return w


def consensus(w, hessian, eta, s2):
    lam = np.sort(np.linalg.eigvalsh(w))[:-1]  # without the consensus mode lambda = 1
    total = sum(l * l * eta * eta * s2 / (1 - l * l * (1 - eta * h) ** 2) for l in lam for h in hessian)
    return total / len(w)


def spectral_gap(w):
    return 1 - np.sort(np.abs(np.linalg.eigvalsh(w)))[-2]


def main():
    dim, eta, sigma2, batch = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
    hessian = np.linspace(0.5, 2.0, dim)
    s2 = sigma2 / (dim * batch)
    for n in (16, 64):
        gaps, values = [], []
        for name, graph in (("ring", ring), ("torus", torus), ("exponential", exponential)):
            w = metropolis_hastings(graph(n))
            gaps.append(spectral_gap(w))
            values.append(consensus(w, hessian, eta, s2))
            print(f"{n} nodes {name:12s} gap {gaps[-1]:.4f} consensus {values[-1]:.4e}")
        slope = np.polyfit(np.log(gaps), np.log(values), 1)[0]
        print(f"{n} nodes: log-log slope of consensus vs gap {slope:.3f}")


if __name__ == "__main__":
    main()
