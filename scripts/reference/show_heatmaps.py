"""The seed's figures drawn by matplotlib, for side-by-side comparison.

`show_heatmaps` follows the seed note's function (d2l's): one subplot per
matrix with shared axes, the x label on the bottom row, the y label on the
first column, titles per column, and a colorbar at 0.6 of the height.

    python show_heatmaps.py demo OUTDIR            # eye.png and softmax.png
    python show_heatmaps.py grid INPUT.npy OUT.png [W H]
"""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def show_heatmaps(matrices, xlabel, ylabel, titles=None, figsize=(2.5, 2.5), cmap="Reds"):
    rows, cols = matrices.shape[0], matrices.shape[1]
    fig, axes = plt.subplots(rows, cols, figsize=figsize, sharex=True, sharey=True, squeeze=False)
    for i, (row_axes, row_matrices) in enumerate(zip(axes, matrices)):
        for j, (ax, matrix) in enumerate(zip(row_axes, row_matrices)):
            image = ax.imshow(matrix, cmap=cmap)
            if i == rows - 1:
                ax.set_xlabel(xlabel)
            if j == 0:
                ax.set_ylabel(ylabel)
            if titles:
                ax.set_title(titles[j])
    fig.colorbar(image, ax=axes, shrink=0.6)
    return fig


def demo(outdir):
    import os

    os.makedirs(outdir, exist_ok=True)
    fig = show_heatmaps(np.eye(10).reshape(1, 1, 10, 10), "Keys", "Queries")
    fig.savefig(f"{outdir}/eye.png", dpi=200)
    try:
        import torch
        import torch.nn.functional as F

        torch.manual_seed(42)
        weights = F.softmax(torch.randn(10, 10), dim=1).numpy()
    except ImportError:
        print("torch is not installed: skipping softmax.png", file=sys.stderr)
        return
    fig = show_heatmaps(weights.reshape(1, 1, 10, 10), "Keys", "Queries")
    fig.savefig(f"{outdir}/softmax.png", dpi=200)


def grid(path, out, width=2.5, height=2.5):
    matrices = np.load(path)
    while matrices.ndim < 4:
        matrices = matrices[np.newaxis]
    fig = show_heatmaps(matrices, "Keys", "Queries", figsize=(float(width), float(height)))
    fig.savefig(out)


if __name__ == "__main__":
    if sys.argv[1] == "demo":
        demo(sys.argv[2])
    else:
        grid(*sys.argv[2:])
