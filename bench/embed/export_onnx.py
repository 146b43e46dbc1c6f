#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""ONNX files of all-MiniLM-L6-v2 for the ONNX Runtime side of the benchmark.

No PyPI package ships an fp32 ONNX export of exactly this model (see
bench/embed/README.md), so this script makes one from the local weights
(models/all-MiniLM-L6-v2, the same safetensors the C engine loads) with
torch.onnx, and optionally a dynamically quantised int8 copy with
onnxruntime.quantization. It also verifies every ONNX file it is given
against sentence-transformers: mean pooling + L2 normalisation over
last_hidden_state must give cosine >= 0.9999 (fp32) on the golden texts.

    .venv-ref/bin/python bench/embed/export_onnx.py            # export + verify
    .venv-ref/bin/python bench/embed/export_onnx.py --verify-only FILE.onnx

Outputs (gitignored, under models/): models/onnx/all-MiniLM-L6-v2.fp32.onnx
and models/onnx/all-MiniLM-L6-v2.int8-dynamic.onnx. Inputs input_ids,
attention_mask, token_type_ids (int64, [batch, sequence]); output
last_hidden_state ([batch, sequence, 384]).
"""
import argparse
import json
import os
import sys

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODEL_DIR = os.path.join(ROOT, "models", "all-MiniLM-L6-v2")
OUT_DIR = os.path.join(ROOT, "models", "onnx")


def export_fp32(model_dir, path):
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(model_dir, local_files_only=True,
                                      attn_implementation="eager")
    model.eval()
    ids = torch.tensor([[101, 7592, 2088, 102], [101, 7592, 102, 0]], dtype=torch.int64)
    mask = (ids != 0).to(torch.int64)
    tt = torch.zeros_like(ids)

    class Wrap(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.m(input_ids=input_ids, attention_mask=attention_mask,
                          token_type_ids=token_type_ids).last_hidden_state

    axes = {"input_ids": {0: "batch", 1: "sequence"},
            "attention_mask": {0: "batch", 1: "sequence"},
            "token_type_ids": {0: "batch", 1: "sequence"},
            "last_hidden_state": {0: "batch", 1: "sequence"}}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with torch.inference_mode():
        torch.onnx.export(Wrap(model), (ids, mask, tt), path,
                          input_names=["input_ids", "attention_mask", "token_type_ids"],
                          output_names=["last_hidden_state"], dynamic_axes=axes,
                          opset_version=17, do_constant_folding=True, dynamo=False)
    return path


def quantize_int8(src, dst):
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Per-channel weights: per-tensor int8 loses far more (cosine down to 0.77
    # on the golden texts); activations are quantised per call (dynamic).
    quantize_dynamic(src, dst, weight_type=QuantType.QInt8, per_channel=True)
    return dst


def golden_texts():
    path = os.path.join(ROOT, "tests", "data", "embed", "vectors.jsonl")
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def verify(onnx_path, rows, threshold):
    """min / mean cosine of ORT (mean pool + normalise) vs the golden vectors."""
    import numpy as np
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    sess = ort.InferenceSession(onnx_path, so, providers=["CPUExecutionProvider"])
    names = {i.name for i in sess.get_inputs()}
    def cosines(batch):
        """Batches of `batch` texts in file order, padded to their longest."""
        out = []
        for b in range(0, len(rows), batch):
            chunk = rows[b:b + batch]
            width = max(len(r["ids"]) for r in chunk)
            ids = np.zeros((len(chunk), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            for i, r in enumerate(chunk):
                ids[i, :len(r["ids"])] = r["ids"]
                mask[i, :len(r["ids"])] = 1
            feed = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in names:
                feed["token_type_ids"] = np.zeros_like(ids)
            h = sess.run(None, feed)[0]
            m = mask[:, :, None].astype(np.float32)
            v = (h * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
            v = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
            for i, r in enumerate(chunk):
                g = np.asarray(r["vector"], dtype=np.float64)
                out.append(float(v[i] @ g / np.linalg.norm(g)))
        return out

    single, padded = cosines(1), cosines(8)
    return {"file": os.path.relpath(os.path.abspath(onnx_path), ROOT), "texts": len(rows),
            "cos_min": min(single), "cos_mean": sum(single) / len(single),
            "cos_min_padded_batch8": min(padded),
            "pass": min(single + padded) >= threshold, "threshold": threshold}


def main():
    ap = argparse.ArgumentParser(description="export + verify ONNX all-MiniLM-L6-v2")
    ap.add_argument("--model", default=MODEL_DIR)
    ap.add_argument("--out-dir", default=OUT_DIR)
    ap.add_argument("--verify-only", nargs="*", metavar="FILE.onnx")
    ap.add_argument("--threshold", type=float, default=0.9999)
    args = ap.parse_args()

    rows = golden_texts()
    results = []
    if args.verify_only is not None:
        for p in args.verify_only:
            results.append(verify(p, rows, args.threshold))
    else:
        fp32 = os.path.join(args.out_dir, "all-MiniLM-L6-v2.fp32.onnx")
        int8 = os.path.join(args.out_dir, "all-MiniLM-L6-v2.int8-dynamic.onnx")
        export_fp32(args.model, fp32)
        quantize_int8(fp32, int8)
        results.append(verify(fp32, rows, args.threshold))
        # Dynamic int8 does not reach 0.9999 (about 0.97 at worst); it is
        # reported, not required.
        results.append(verify(int8, rows, 0.95))
    print(json.dumps(results, indent=2))
    return 0 if all(r["pass"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
