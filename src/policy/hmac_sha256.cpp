#include "hmac_sha256.hpp"

#include <algorithm>
#include <cstring>

namespace replay::policy {
namespace {

constexpr size_t kBlockBytes = 64;

// The first 32 bits of the fractional parts of the cube roots of the first 64 primes.
constexpr std::array<uint32_t, 64> kRound = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

constexpr uint32_t rotr(uint32_t x, int n) noexcept {
  return (x >> n) | (x << (32 - n));
}

// Hashes a message fed in pieces.
class Sha256 {
 public:
  void add(std::string_view data) {
    length_bytes_ += data.size();
    while (!data.empty()) {
      const size_t take = std::min(kBlockBytes - used_, data.size());
      std::memcpy(block_.data() + used_, data.data(), take);
      used_ += take;
      data.remove_prefix(take);
      if (used_ == kBlockBytes) {
        compress();
        used_ = 0;
      }
    }
  }

  Sha256Digest finish() {
    const uint64_t length_bits = length_bytes_ * 8;
    // 0x80, zeros up to 56 bytes into a block, then the length in bits, big-endian.
    block_[used_++] = 0x80;
    if (used_ > kBlockBytes - 8) {
      std::memset(block_.data() + used_, 0, kBlockBytes - used_);
      compress();
      used_ = 0;
    }
    std::memset(block_.data() + used_, 0, kBlockBytes - 8 - used_);
    for (int i = 0; i < 8; ++i) {
      block_[kBlockBytes - 1 - static_cast<size_t>(i)] =
          static_cast<uint8_t>(length_bits >> (8 * i));
    }
    compress();
    Sha256Digest out{};
    for (size_t i = 0; i < 8; ++i) {
      for (size_t b = 0; b < 4; ++b) {
        out[4 * i + b] = static_cast<uint8_t>(state_[i] >> (24 - 8 * b));
      }
    }
    return out;
  }

 private:
  void compress() {
    std::array<uint32_t, 64> w{};
    for (size_t i = 0; i < 16; ++i) {
      w[i] = static_cast<uint32_t>(block_[4 * i]) << 24 |
             static_cast<uint32_t>(block_[4 * i + 1]) << 16 |
             static_cast<uint32_t>(block_[4 * i + 2]) << 8 | block_[4 * i + 3];
    }
    for (size_t i = 16; i < 64; ++i) {
      const uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      const uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3];
    uint32_t e = state_[4], f = state_[5], g = state_[6], h = state_[7];
    for (size_t i = 0; i < 64; ++i) {
      const uint32_t s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
      const uint32_t choose = (e & f) ^ (~e & g);
      const uint32_t t1 = h + s1 + choose + kRound[i] + w[i];
      const uint32_t s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
      const uint32_t majority = (a & b) ^ (a & c) ^ (b & c);
      const uint32_t t2 = s0 + majority;
      h = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    state_[0] += a;
    state_[1] += b;
    state_[2] += c;
    state_[3] += d;
    state_[4] += e;
    state_[5] += f;
    state_[6] += g;
    state_[7] += h;
  }

  // The first 32 bits of the fractional parts of the square roots of the first 8 primes.
  std::array<uint32_t, 8> state_ = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::array<uint8_t, kBlockBytes> block_{};
  size_t used_ = 0;
  uint64_t length_bytes_ = 0;
};

std::string_view bytes_of(const Sha256Digest& digest) {
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

}  // namespace

Sha256Digest sha256(std::string_view message) {
  Sha256 hash;
  hash.add(message);
  return hash.finish();
}

Sha256Digest hmac_sha256(std::string_view key, std::string_view message) {
  std::array<char, kBlockBytes> block{};
  const Sha256Digest hashed_key = key.size() > kBlockBytes ? sha256(key) : Sha256Digest{};
  if (key.size() > kBlockBytes) key = bytes_of(hashed_key);
  std::memcpy(block.data(), key.data(), key.size());
  std::array<char, kBlockBytes> inner_pad{}, outer_pad{};
  for (size_t i = 0; i < kBlockBytes; ++i) {
    inner_pad[i] = static_cast<char>(block[i] ^ 0x36);
    outer_pad[i] = static_cast<char>(block[i] ^ 0x5c);
  }
  Sha256 inner;
  inner.add({inner_pad.data(), inner_pad.size()});
  inner.add(message);
  const Sha256Digest inner_digest = inner.finish();
  Sha256 outer;
  outer.add({outer_pad.data(), outer_pad.size()});
  outer.add(bytes_of(inner_digest));
  return outer.finish();
}

}  // namespace replay::policy
