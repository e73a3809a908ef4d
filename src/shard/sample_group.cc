#include "shard/sample_group.h"

#include <algorithm>
#include <cctype>
#include <limits>

#include "synthub/error.h"

namespace synthub::shard {

void SplitKey(const std::string& name, std::string* key, std::string* ext) {
  const size_t slash = name.find_last_of('/');
  const size_t base = slash == std::string::npos ? 0 : slash + 1;
  const size_t dot = name.find('.', base);
  if (dot == std::string::npos) {
    *key = name;
    ext->clear();
    return;
  }
  *key = name.substr(0, dot);
  *ext = name.substr(dot + 1);
  std::transform(ext->begin(), ext->end(), ext->begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
}

MemberRole ClassifyMember(const std::string& name, std::string* key, std::string* ext) {
  SplitKey(name, key, ext);
  if (key->rfind("__", 0) == 0 || key->find("/__") != std::string::npos) {
    return MemberRole::kMetadata;
  }
  // No dot in the basename (the key is the whole name), or nothing before it
  // (the key is empty or ends with the basename's slash).
  if (key->size() == name.size() || key->empty() || key->back() == '/') {
    return MemberRole::kNoExtension;
  }
  return MemberRole::kSample;
}

SampleGrouper::SampleGrouper(const std::string& path) : tar_(path) {}

SampleGrouper::SampleGrouper(std::unique_ptr<ByteStream> stream) : tar_(std::move(stream)) {}

bool SampleGrouper::Next(Sample* sample, bool with_data) {
  sample->key.clear();
  sample->offset = 0;
  sample->members.clear();
  if (!error_.empty()) throw Error(error_);
  try {
    while (NextMember(sample, with_data)) {
    }
  } catch (const Error& e) {
    error_ = e.what();
    done_ = true;
    throw;
  }
  return !sample->members.empty();
}

void SampleGrouper::Recycle(std::string&& buffer) {
  constexpr size_t kMaxSpares = 4;
  if (spares_.size() < kMaxSpares && buffer.capacity() > 0) spares_.push_back(std::move(buffer));
}

// Adds the next member to `sample`; false once the sample is complete.
bool SampleGrouper::NextMember(Sample* sample, bool with_data) {
  if (!has_pending_) {
    if (done_ || !tar_.NextHeader(&pending_)) {
      done_ = true;
      return false;
    }
    if (ClassifyMember(pending_.name, &pending_key_, &pending_ext_) != MemberRole::kSample) {
      tar_.SkipData();
      ++skipped_members_;
      return true;
    }
    has_pending_ = true;
  }
  if (sample->members.empty()) {
    sample->key = pending_key_;
    sample->offset = pending_.header_offset;
  } else if (pending_key_ != sample->key) {
    return false;  // the pending member starts the next sample; its data stays in the stream
  }
  has_pending_ = false;
  SampleMember m;
  m.ext = pending_ext_;
  m.header_offset = pending_.header_offset;
  m.record_offset = pending_.record_offset;
  m.data_offset = tar_.offset();
  m.size = pending_.size;
  if (with_data) {
    if (!spares_.empty()) {
      pending_.data = std::move(spares_.back());
      spares_.pop_back();
    }
    tar_.ReadData(&pending_);
    m.data = std::move(pending_.data);
  } else {
    tar_.SkipData();
  }
  for (const SampleMember& other : sample->members) {
    if (other.ext == m.ext) {
      throw Error(name() + "@" + std::to_string(m.header_offset) + ": sample '" + sample->key +
                  "' repeats extension '" + m.ext + "'");
    }
  }
  sample->members.push_back(std::move(m));
  return true;
}

bool IsLabelExtension(const std::string& ext) {
  return ext == "cls" || ext == "cls.txt" || ext == "label";
}

bool IsImageExtension(const std::string& ext) {
  return ext == "png" || ext == "jpg" || ext == "jpeg" || ext == "webp";
}

const SampleMember* FindLabel(const Sample& s) {
  for (const SampleMember& m : s.members) {
    if (IsLabelExtension(m.ext)) return &m;
  }
  return nullptr;
}

const SampleMember* FindImage(const Sample& s) {
  for (const SampleMember& m : s.members) {
    if (IsImageExtension(m.ext)) return &m;
  }
  return nullptr;
}

SampleMember* FindImage(Sample* s) { return const_cast<SampleMember*>(FindImage(*s)); }

int64_t ParseLabel(const std::string& bytes) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  size_t i = 0, end = bytes.size();
  while (i < end && space(bytes[i])) ++i;
  while (end > i && space(bytes[end - 1])) --end;
  if (i == end) return -1;
  int64_t v = 0;
  for (; i < end; ++i) {
    const char c = bytes[i];
    if (c < '0' || c > '9') return -1;
    if (v > (std::numeric_limits<int64_t>::max() - (c - '0')) / 10) return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace synthub::shard
