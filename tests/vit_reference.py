"""A plain PyTorch ViT with timm's tensor names (timm vision_transformer.py):
the reference for synthub's C++ model. Loads synthub checkpoints through
tests/safetensors_reader.py (no pickle).

  vit_reference.py check CKPT_DIR DUMP.safetensors   logits of the C++ model match
"""
import json
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_reader  # noqa: E402


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, d = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = ((q * self.scale) @ k.transpose(-2, -1)).softmax(-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(b, n, d))


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, dim, heads, hidden):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, hidden)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class PatchEmbed(nn.Module):
    def __init__(self, patch, dim):
        super().__init__()
        self.proj = nn.Conv2d(3, dim, patch, stride=patch)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class VisionTransformer(nn.Module):
    def __init__(self, img_size, patch_size, embed_dim, depth, num_heads, num_classes, mlp_ratio=4.0):
        super().__init__()
        n = (img_size // patch_size) ** 2
        self.patch_embed = PatchEmbed(patch_size, embed_dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, 1 + n, embed_dim))
        self.blocks = nn.ModuleList(
            [Block(embed_dim, num_heads, int(embed_dim * mlp_ratio)) for _ in range(depth)])
        self.norm = nn.LayerNorm(embed_dim, eps=1e-6)
        self.head = nn.Linear(embed_dim, num_classes)

    def forward(self, x):
        x = self.patch_embed(x)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], 1) + self.pos_embed
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x)[:, 0])


def from_config(path):
    with open(path) as f:
        c = json.load(f)
    a = c["model_args"]
    return VisionTransformer(a["img_size"], a["patch_size"], a["embed_dim"], a["depth"],
                             a["num_heads"], c["num_classes"], a.get("mlp_ratio", 4.0))


def check(ckpt_dir, dump_path):
    model = from_config(os.path.join(ckpt_dir, "config.json"))
    tensors, _ = safetensors_reader.load(os.path.join(ckpt_dir, "model.safetensors"))
    state = {k: torch.from_numpy(v.copy()) for k, v in tensors.items()}
    # strict: every timm name present, nothing extra, every shape equal.
    model.load_state_dict(state, strict=True)
    model.eval()
    dump, _ = safetensors_reader.load(dump_path)
    x = torch.from_numpy(dump["input"].copy())
    want = torch.from_numpy(dump["logits"].copy())
    with torch.no_grad():
        got = model(x)
    err = (got - want).abs().max().item()
    scale = want.abs().max().item()
    print(f"{len(state)} tensors loaded by timm names; logits {tuple(got.shape)}, "
          f"max |python - c++| = {err:.3g} (max |logit| {scale:.3g})")
    if not math.isfinite(err) or err > 1e-4 * max(1.0, scale):
        sys.exit("logits differ")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
