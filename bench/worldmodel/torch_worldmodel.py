#!/usr/bin/python3
"""PyTorch (CPU) twin of PWMK's PerspectiveWorldModel, the anchor of `bench/pwmk-bench worldmodel`.

Same architecture, sizes, batch, loss and optimiser as src/Pwmk.Core/WorldModel:
perspective encoder (Linear + agent embedding -> GELU(tanh) -> Linear -> LayerNorm), action embedding,
pre-norm transformer blocks over one token per agent (fused qkv, 4x MLP with GELU(tanh)), final LayerNorm,
observation decoder and belief head (Linear -> GELU -> Linear), loss MSE + BCE-with-logits, AdamW + clip 1.0.

Modes (the parent sets OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and MKL_NUM_THREADS to --threads as well):
  --serve   warm, in this process: reads one JSON command per line on stdin ({"cmd": "info"}, {"cmd": "train",
            "seconds": S}, {"cmd": "infer", "seconds": S}, {"cmd": "quit"}) and answers one JSON line each.
  --once    whole process: builds the model, runs --train-steps training steps and --infer-calls inferences, exits.
Run with Debian's python3-torch on OpenBLAS (apt install python3-torch libopenblas0-pthread).
"""
import argparse
import ctypes
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, h, heads):
        super().__init__()
        self.h, self.heads = h, heads
        self.norm1 = nn.LayerNorm(h)
        self.qkv = nn.Linear(h, 3 * h)
        self.proj = nn.Linear(h, h)
        self.norm2 = nn.LayerNorm(h)
        self.fc1 = nn.Linear(h, 4 * h)
        self.fc2 = nn.Linear(4 * h, h)

    def forward(self, x):
        b, n, h = x.shape
        dh = h // self.heads
        q, k, v = self.qkv(self.norm1(x)).split(h, dim=-1)
        q, k, v = (t.reshape(b, n, self.heads, dh).transpose(1, 2) for t in (q, k, v))
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(dh), dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, n, h)
        x = x + self.proj(y)
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x)), approximate="tanh"))


class PerspectiveWorldModel(nn.Module):
    def __init__(self, obs, actions, h, agents, beliefs, layers, heads):
        super().__init__()
        self.enc_in = nn.Linear(obs, h)
        self.persp = nn.Embedding(agents, h)
        self.enc_out = nn.Linear(h, h)
        self.enc_norm = nn.LayerNorm(h)
        self.act = nn.Embedding(actions, h)
        self.blocks = nn.ModuleList(Block(h, heads) for _ in range(layers))
        self.norm = nn.LayerNorm(h)
        self.dec1, self.dec2 = nn.Linear(h, h), nn.Linear(h, obs)
        self.bel1, self.bel2 = nn.Linear(h, h), nn.Linear(h, beliefs)

    def forward(self, obs, actions, agent_ids):
        z = self.enc_norm(self.enc_out(F.gelu(self.enc_in(obs) + self.persp(agent_ids), approximate="tanh")))
        x = z + self.act(actions)
        for blk in self.blocks:
            x = blk(x)
        x = self.norm(x)
        return self.dec2(F.gelu(self.dec1(x), approximate="tanh")), self.bel2(F.gelu(self.bel1(x), approximate="tanh"))


def load_pwmk_checkpoint(model, path):
    """Loads a PWMK safetensors checkpoint (parsed by hand: F32, linear weights stored [in, out])."""
    import numpy as np
    raw = open(path, "rb").read()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    header.pop("__metadata__", None)
    data = raw[8 + n:]
    names = {"encoder.input": "enc_in", "encoder.perspective_embedding": "persp.weight", "encoder.output": "enc_out",
             "encoder.norm": "enc_norm", "dynamics.action_embedding": "act.weight", "dynamics.norm": "norm",
             "decoder.fc1": "dec1", "decoder.fc2": "dec2", "belief_head.fc1": "bel1", "belief_head.fc2": "bel2"}
    state = {}
    for name, e in header.items():
        b, end = e["data_offsets"]
        t = torch.from_numpy(np.frombuffer(data[b:end], dtype="<f4").reshape(e["shape"]).copy())
        if name.startswith("dynamics.blocks."):
            target = name.replace("dynamics.", "").replace("attn.", "").replace("mlp.", "")
        elif name in names:
            target = names[name]
        else:
            stem, leaf = name.rsplit(".", 1)
            target = names[stem] + "." + leaf
        is_linear = target.endswith(".weight") and t.dim() == 2 and "persp" not in target and not target.startswith("act")
        state[target] = t.t().contiguous() if is_linear else t
    model.load_state_dict(state)


def cross_check(a, directory):
    import numpy as np
    model = PerspectiveWorldModel(a.obs, a.actions, a.hidden, a.agents, a.beliefs, a.layers, a.heads)
    load_pwmk_checkpoint(model, directory + "/model.safetensors")
    d = np.load(directory + "/check.npz")
    obs = torch.from_numpy(d["observations"])
    acts = torch.from_numpy(d["actions"]).long()
    ids = torch.arange(a.agents).repeat(obs.shape[0], 1)
    with torch.no_grad():
        pred, logits = model(obs, acts, ids)
    return {"max_abs_diff_next_observations": float((pred - torch.from_numpy(d["next_observations"])).abs().max()),
            "max_abs_diff_beliefs": float((torch.sigmoid(logits) - torch.from_numpy(d["beliefs"])).abs().max())}


def blas_info(threads):
    """
    Which BLAS this process really runs: Debian's PyTorch reports BLAS_INFO=generic in torch.__config__.show()
    because it links the libblas.so.3 alternative, so the library is read from the process's own memory map after a
    product, and OpenBLAS is asked for its configuration and thread count (set to `threads` first).
    """
    torch.mm(torch.ones(64, 64), torch.ones(64, 64))
    show = torch.__config__.show()
    blas_line = next((part.strip() for part in show.replace("\n", ",").split(",") if "BLAS_INFO" in part), "")
    libs = sorted({line.split()[-1] for line in open("/proc/self/maps") if "blas" in line.lower() and ".so" in line})
    info = {"torch_config_blas_info": blas_line, "blas_libraries": libs, "openblas": None, "openblas_threads": None}
    for path in libs:
        lib = ctypes.CDLL(path)
        if hasattr(lib, "openblas_get_config"):
            lib.openblas_get_config.restype = ctypes.c_char_p
            lib.openblas_set_num_threads(threads)
            info["openblas"] = lib.openblas_get_config().decode()
            info["openblas_threads"] = lib.openblas_get_num_threads()
            break
    return info


class Bench:
    """The model, its optimiser and fixed random batches (the C# side builds the same sizes)."""

    def __init__(self, a):
        torch.manual_seed(0)
        self.model = PerspectiveWorldModel(a.obs, a.actions, a.hidden, a.agents, a.beliefs, a.layers, a.heads)
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=1e-3, weight_decay=1e-4)
        b, n = a.batch, a.agents
        self.batch = b
        self.obs = torch.rand(b, n, a.obs)
        self.nxt = torch.rand(b, n, a.obs)
        self.acts = torch.randint(0, a.actions, (b, n))
        self.ids = torch.arange(n).repeat(b, 1)
        self.bel = (torch.rand(b, n, a.beliefs) > 0.5).float()
        ib = a.infer_batch
        self.iobs = torch.rand(ib, n, a.obs)
        self.iacts = torch.randint(0, a.actions, (ib, n))
        self.iids = torch.arange(n).repeat(ib, 1)
        self.parameters = sum(p.numel() for p in self.model.parameters())

    def step(self):
        self.opt.zero_grad()
        pred, logits = self.model(self.obs, self.acts, self.ids)
        loss = F.mse_loss(pred, self.nxt) + F.binary_cross_entropy_with_logits(logits, self.bel)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.opt.step()

    def infer(self):
        with torch.no_grad():
            pred, logits = self.model(self.iobs, self.iacts, self.iids)
            torch.sigmoid(logits)


def timed(fn, seconds):
    """Sorted durations of calls of fn for `seconds` (at least 5), after as long a warm-up (at least 50 calls)."""
    warm = time.perf_counter()
    i = 0
    while i < 50 or time.perf_counter() - warm < seconds:
        fn()
        i += 1
    times = []
    start = time.perf_counter()
    while time.perf_counter() - start < seconds or len(times) < 5:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    times.sort()
    return times


def serve(a, bench):
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["cmd"] == "quit":
            return
        if cmd["cmd"] == "info":
            out = {"torch_version": torch.__version__, "threads": torch.get_num_threads(), "parameters": bench.parameters}
            out.update(blas_info(a.threads))
            if a.cross_check:
                out["cross_check"] = cross_check(a, a.cross_check)
        elif cmd["cmd"] == "train":
            t = timed(bench.step, cmd["seconds"])
            out = {"samples_per_second": bench.batch / t[len(t) // 2], "steps": len(t)}
        elif cmd["cmd"] == "infer":
            t = timed(bench.infer, cmd["seconds"])
            out = {"p50_ms": 1000 * t[len(t) // 2], "p95_ms": 1000 * t[min(len(t) - 1, int(0.95 * len(t)))], "calls": len(t)}
        else:
            out = {"error": "unknown command " + cmd["cmd"]}
        print(json.dumps(out), flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--obs", type=int, default=25)
    p.add_argument("--actions", type=int, default=4)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--agents", type=int, default=3)
    p.add_argument("--beliefs", type=int, default=8)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--infer-batch", type=int, default=32)
    p.add_argument("--cross-check", help="directory with model.safetensors and check.npz written by PWMK")
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--serve", action="store_true")
    mode.add_argument("--once", action="store_true")
    p.add_argument("--train-steps", type=int, default=200)
    p.add_argument("--infer-calls", type=int, default=200)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    bench = Bench(a)
    if a.serve:
        serve(a, bench)
        return
    for _ in range(a.train_steps):
        bench.step()
    for _ in range(a.infer_calls):
        bench.infer()


if __name__ == "__main__":
    main()
