#include "train/vit.h"

#include <cmath>

namespace synthub::train {

namespace F = torch::nn::functional;

AttentionImpl::AttentionImpl(int dim, int heads)
    : heads_(heads), scale_(1.0 / std::sqrt(static_cast<double>(dim / heads))) {
  qkv = register_module("qkv", torch::nn::Linear(torch::nn::LinearOptions(dim, 3 * dim)));
  proj = register_module("proj", torch::nn::Linear(dim, dim));
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x) {
  const int64_t b = x.size(0), n = x.size(1), d = x.size(2);
  // at::linear fuses the bias add (torch::nn::Linear on 3-D inputs does not).
  auto qkv_out = at::linear(x, qkv->weight, qkv->bias)
                     .reshape({b, n, 3, heads_, d / heads_})
                     .permute({2, 0, 3, 1, 4});
  auto q = qkv_out[0], k = qkv_out[1], v = qkv_out[2];
  auto attn = torch::matmul(q * scale_, k.transpose(-2, -1)).softmax(-1);
  auto out = torch::matmul(attn, v).transpose(1, 2).reshape({b, n, d});
  return at::linear(out, proj->weight, proj->bias);
}

MlpImpl::MlpImpl(int dim, int hidden) {
  fc1 = register_module("fc1", torch::nn::Linear(dim, hidden));
  fc2 = register_module("fc2", torch::nn::Linear(hidden, dim));
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) {
  return at::linear(torch::gelu(at::linear(x, fc1->weight, fc1->bias)), fc2->weight, fc2->bias);
}

BlockImpl::BlockImpl(int dim, int heads, int hidden, double drop_path) : drop_path_(drop_path) {
  auto ln = torch::nn::LayerNormOptions({dim}).eps(1e-6);
  norm1 = register_module("norm1", torch::nn::LayerNorm(ln));
  attn = register_module("attn", Attention(dim, heads));
  norm2 = register_module("norm2", torch::nn::LayerNorm(ln));
  mlp = register_module("mlp", Mlp(dim, hidden));
}

torch::Tensor BlockImpl::forward(torch::Tensor x) {
  x = x + DropPath(attn->forward(norm1->forward(x)), drop_path_, is_training());
  return x + DropPath(mlp->forward(norm2->forward(x)), drop_path_, is_training());
}

PatchEmbedImpl::PatchEmbedImpl(int patch, int in_chans, int dim) {
  proj = register_module(
      "proj", torch::nn::Conv2d(torch::nn::Conv2dOptions(in_chans, dim, patch).stride(patch)));
}

torch::Tensor PatchEmbedImpl::forward(const torch::Tensor& x) {
  return proj->forward(x).flatten(2).transpose(1, 2);
}

VisionTransformerImpl::VisionTransformerImpl(const ModelConfig& config) : config_(config) {
  config_.Validate();
  const int d = config_.embed_dim;
  patch_embed = register_module("patch_embed",
                                PatchEmbed(config_.patch_size, config_.in_chans, d));
  cls_token = register_parameter("cls_token", torch::zeros({1, 1, d}));
  pos_embed = register_parameter("pos_embed", torch::zeros({1, 1 + config_.num_patches(), d}));
  blocks = register_module("blocks", torch::nn::ModuleList());
  const int hidden = static_cast<int>(d * config_.mlp_ratio);
  for (int i = 0; i < config_.depth; ++i) {
    const double dp = config_.depth > 1 ? config_.drop_path * i / (config_.depth - 1) : 0.0;
    blocks->push_back(Block(d, config_.num_heads, hidden, dp));
  }
  norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d}).eps(1e-6)));
  head = register_module("head", torch::nn::Linear(d, config_.num_classes));
}

torch::Tensor VisionTransformerImpl::forward(const torch::Tensor& images) {
  auto x = patch_embed->forward(images);
  x = torch::cat({cls_token.expand({x.size(0), -1, -1}), x}, 1) + pos_embed;
  for (const auto& block : *blocks) x = block->as<Block>()->forward(x);
  x = norm->forward(x);
  return at::linear(x.select(1, 0), head->weight, head->bias);
}

void VisionTransformerImpl::InitWeights(uint64_t seed) {
  torch::NoGradGuard no_grad;
  torch::manual_seed(seed);
  TruncNormal(pos_embed, 0.02);
  torch::nn::init::normal_(cls_token, 0.0, 1e-6);
  for (auto& module : modules(/*include_self=*/false)) {
    if (auto* linear = module->as<torch::nn::Linear>()) {
      TruncNormal(linear->weight, 0.02);
      linear->bias.zero_();
    } else if (auto* ln = module->as<torch::nn::LayerNorm>()) {
      ln->weight.fill_(1.0);
      ln->bias.zero_();
    }
  }
  // patch_embed.proj: PyTorch's default Conv2d init (timm keeps it), redone
  // here so that it too follows the seed: uniform in +-1/sqrt(fan_in).
  auto& conv = patch_embed->proj;
  const double bound = 1.0 / std::sqrt(static_cast<double>(conv->weight[0].numel()));
  conv->weight.uniform_(-bound, bound);
  conv->bias.uniform_(-bound, bound);
}

void VisionTransformerImpl::ResetHead(int classes) {
  config_.num_classes = classes;
  auto fresh = torch::nn::Linear(config_.embed_dim, classes);
  {
    torch::NoGradGuard no_grad;
    fresh->weight.zero_();
    fresh->bias.zero_();
  }
  fresh->to(cls_token.device());
  head = replace_module("head", fresh);
}

torch::Tensor DropPath(const torch::Tensor& x, double p, bool training) {
  if (!training || p <= 0.0) return x;
  const double keep = 1.0 - p;
  auto mask = torch::empty({x.size(0), 1, 1}, x.options()).bernoulli_(keep);
  return x * mask / keep;
}

void TruncNormal(torch::Tensor t, double std) {
  torch::NoGradGuard no_grad;
  // Inverse CDF: uniform in [Phi(-2), Phi(2)], mapped through erfinv.
  const double lo = 0.5 * (1 + std::erf(-2.0 / std::sqrt(2.0)));
  const double hi = 0.5 * (1 + std::erf(2.0 / std::sqrt(2.0)));
  t.uniform_(2 * lo - 1, 2 * hi - 1);
  t.erfinv_();
  t.mul_(std * std::sqrt(2.0));
  t.clamp_(-2 * std, 2 * std);
}

}  // namespace synthub::train
