// A Vision Transformer (ViT / DeiT) in libtorch whose parameter names are
// timm's VisionTransformer names (timm/models/vision_transformer.py), so its
// state_dict is a timm checkpoint as it is.
#ifndef SYNTHUB_TRAIN_VIT_H_
#define SYNTHUB_TRAIN_VIT_H_

#include <string>
#include <torch/torch.h>

#include "train/model_config.h"

namespace synthub::train {

class AttentionImpl : public torch::nn::Module {
 public:
  AttentionImpl(int dim, int heads);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Linear qkv{nullptr}, proj{nullptr};

 private:
  int heads_;
  double scale_;
};
TORCH_MODULE(Attention);

class MlpImpl : public torch::nn::Module {
 public:
  MlpImpl(int dim, int hidden);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(Mlp);

class BlockImpl : public torch::nn::Module {
 public:
  BlockImpl(int dim, int heads, int hidden, double drop_path);
  torch::Tensor forward(torch::Tensor x);
  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
  Attention attn{nullptr};
  Mlp mlp{nullptr};

 private:
  double drop_path_;
};
TORCH_MODULE(Block);

class PatchEmbedImpl : public torch::nn::Module {
 public:
  PatchEmbedImpl(int patch, int in_chans, int dim);
  torch::Tensor forward(const torch::Tensor& x);  // [B,C,H,W] -> [B,N,D]
  torch::nn::Conv2d proj{nullptr};
};
TORCH_MODULE(PatchEmbed);

class VisionTransformerImpl : public torch::nn::Module {
 public:
  explicit VisionTransformerImpl(const ModelConfig& config);
  torch::Tensor forward(const torch::Tensor& images);  // [B,3,H,W] -> logits [B,classes]
  // Weight init as timm's default: truncated normal (std 0.02) for linear
  // weights and pos_embed, zero biases, LayerNorm 1/0, cls_token N(0, 1e-6).
  void InitWeights(uint64_t seed);
  // A fresh zero-initialised head for another number of classes.
  void ResetHead(int classes);
  const ModelConfig& config() const { return config_; }

  PatchEmbed patch_embed{nullptr};
  torch::Tensor cls_token, pos_embed;
  torch::nn::ModuleList blocks{nullptr};
  torch::nn::LayerNorm norm{nullptr};
  torch::nn::Linear head{nullptr};

 private:
  ModelConfig config_;
};
TORCH_MODULE(VisionTransformer);

// Drops whole residual branches per sample with probability p (stochastic
// depth), scaling the kept ones by 1 / (1 - p).
torch::Tensor DropPath(const torch::Tensor& x, double p, bool training);

// In place: samples from N(0, std) truncated to [-2 std, 2 std].
void TruncNormal(torch::Tensor t, double std);

}  // namespace synthub::train

#endif  // SYNTHUB_TRAIN_VIT_H_
