#!/usr/bin/env python3
"""Prints a Markdown table of `pwmk train --format json` results (one file per run, named ENV--CONFIG.json)."""
import json
import os
import sys


def row(path):
    name = os.path.basename(path)[:-len(".json")]
    env, _, config = name.partition("--")
    d = json.load(open(path))
    orders = d.get("belief_acc_by_order") or {}
    def f(x, digits=3):
        return "n/a" if x is None else f"{x:.{digits}f}"
    order_cells = " / ".join(f(orders[k]["belief_acc"]) for k in sorted(orders))
    mse_ratio = d["state_mse"] / d["copy_baseline_mse"] if d.get("copy_baseline_mse") else None
    return [env, config, f(d["belief_acc"]), f(d.get("persistence_baseline_acc")), f(d["false_belief_acc"]),
            str(d["false_belief_cases"]), f(d.get("belief_change_acc")), order_cells, f(mse_ratio, 2),
            f"{d['epochs']} ({d['best_epoch']})", f"{d.get('seconds', 0):.0f}"]


def main(paths):
    header = ["env", "configuration", "belief acc", "persistence", "false-belief acc", "false beliefs",
              "change acc", "acc by order", "MSE / copy", "epochs (best)", "train s"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for p in sorted(paths):
        print("| " + " | ".join(row(p)) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
