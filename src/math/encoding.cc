#include "math/encoding.h"

#include <string>

namespace depinfer::math::bn254 {
namespace {

constexpr std::uint8_t kInfinityFlag = 0x80;
constexpr std::uint8_t kLargestFlag = 0x40;

bool AllZero(std::span<const std::uint8_t> in) {
  std::uint8_t acc = 0;
  for (std::uint8_t b : in) acc |= b;
  return acc == 0;
}

Status LengthError(const char* what, std::size_t want, std::size_t got) {
  return Status::InvalidArgument(std::string(what) + " encoding must be " + std::to_string(want) +
                                 " bytes, got " + std::to_string(got));
}

bool Fp2IsLexLargest(const Fp2& y) {
  return y.c1.IsZero() ? y.c0.IsLexLargest() : y.c1.IsLexLargest();
}

Status DecodeFp2(std::span<const std::uint8_t> in, Fp2* out) {
  // Imaginary part first.
  Fp c1, c0;
  DEPINFER_RETURN_IF_ERROR(Fp::FromBytesBE(in.subspan(0, 32), &c1).WithContext("imaginary part"));
  DEPINFER_RETURN_IF_ERROR(Fp::FromBytesBE(in.subspan(32, 32), &c0).WithContext("real part"));
  *out = {c0, c1};
  return Status::Ok();
}

void EncodeFp2(const Fp2& x, std::uint8_t* out) {
  x.c1.ToBytesBE(out);
  x.c0.ToBytesBE(out + 32);
}

}  // namespace

Status ValidateG1(const G1Affine& p) {
  if (!p.IsOnCurve()) return Status::InvalidArgument("G1 point is not on the curve y^2 = x^3 + 3");
  return Status::Ok();  // cofactor 1: on the curve means in G1
}

Status ValidateG2OnCurve(const G2Affine& p) {
  if (!p.IsOnCurve()) {
    return Status::InvalidArgument("G2 point is not on the twist curve y^2 = x^3 + 3/(9+u)");
  }
  return Status::Ok();
}

Status ValidateG2(const G2Affine& p) {
  DEPINFER_RETURN_IF_ERROR(ValidateG2OnCurve(p));
  if (!p.infinity && !IsInG2SubgroupVartime(G2::FromAffine(p))) return Status::InvalidArgument(kG2NotInSubgroup);
  return Status::Ok();
}

std::array<std::uint8_t, kG1EthBytes> EncodeG1Eth(const G1Affine& p) {
  std::array<std::uint8_t, kG1EthBytes> out{};
  if (p.infinity) return out;
  p.x.ToBytesBE(out.data());
  p.y.ToBytesBE(out.data() + 32);
  return out;
}

std::array<std::uint8_t, kG2EthBytes> EncodeG2Eth(const G2Affine& p) {
  std::array<std::uint8_t, kG2EthBytes> out{};
  if (p.infinity) return out;
  EncodeFp2(p.x, out.data());
  EncodeFp2(p.y, out.data() + 64);
  return out;
}

Status DecodeG1Eth(std::span<const std::uint8_t> in, G1Affine* out) {
  if (in.size() != kG1EthBytes) return LengthError("G1", kG1EthBytes, in.size());
  if (AllZero(in)) {
    *out = G1Affine::Infinity();
    return Status::Ok();
  }
  Fp x, y;
  DEPINFER_RETURN_IF_ERROR(Fp::FromBytesBE(in.subspan(0, 32), &x).WithContext("G1 x"));
  DEPINFER_RETURN_IF_ERROR(Fp::FromBytesBE(in.subspan(32, 32), &y).WithContext("G1 y"));
  G1Affine p = G1Affine::FromXY(x, y);
  DEPINFER_RETURN_IF_ERROR(ValidateG1(p));
  *out = p;
  return Status::Ok();
}

Status DecodeG2Eth(std::span<const std::uint8_t> in, G2Affine* out) {
  G2Affine p;
  DEPINFER_RETURN_IF_ERROR(DecodeG2EthOnCurve(in, &p));
  if (!p.infinity && !IsInG2SubgroupVartime(G2::FromAffine(p))) return Status::InvalidArgument(kG2NotInSubgroup);
  *out = p;
  return Status::Ok();
}

Status DecodeG2EthOnCurve(std::span<const std::uint8_t> in, G2Affine* out) {
  if (in.size() != kG2EthBytes) return LengthError("G2", kG2EthBytes, in.size());
  if (AllZero(in)) {
    *out = G2Affine::Infinity();
    return Status::Ok();
  }
  Fp2 x, y;
  DEPINFER_RETURN_IF_ERROR(DecodeFp2(in.subspan(0, 64), &x).WithContext("G2 x"));
  DEPINFER_RETURN_IF_ERROR(DecodeFp2(in.subspan(64, 64), &y).WithContext("G2 y"));
  G2Affine p = G2Affine::FromXY(x, y);
  DEPINFER_RETURN_IF_ERROR(ValidateG2OnCurve(p));
  *out = p;
  return Status::Ok();
}

std::array<std::uint8_t, kG1CompressedBytes> EncodeG1Compressed(const G1Affine& p) {
  std::array<std::uint8_t, kG1CompressedBytes> out{};
  if (p.infinity) {
    out[0] = kInfinityFlag;
    return out;
  }
  p.x.ToBytesBE(out.data());
  if (p.y.IsLexLargest()) out[0] |= kLargestFlag;
  return out;
}

std::array<std::uint8_t, kG2CompressedBytes> EncodeG2Compressed(const G2Affine& p) {
  std::array<std::uint8_t, kG2CompressedBytes> out{};
  if (p.infinity) {
    out[0] = kInfinityFlag;
    return out;
  }
  EncodeFp2(p.x, out.data());
  if (Fp2IsLexLargest(p.y)) out[0] |= kLargestFlag;
  return out;
}

Status DecodeG1Compressed(std::span<const std::uint8_t> in, G1Affine* out) {
  if (in.size() != kG1CompressedBytes) return LengthError("compressed G1", kG1CompressedBytes, in.size());
  std::array<std::uint8_t, kG1CompressedBytes> buf;
  std::copy(in.begin(), in.end(), buf.begin());
  std::uint8_t flags = buf[0] & 0xc0;
  buf[0] &= 0x3f;
  if (flags & kInfinityFlag) {
    if (flags != kInfinityFlag || !AllZero(buf)) {
      return Status::InvalidArgument("compressed G1 infinity must have no other bits set");
    }
    *out = G1Affine::Infinity();
    return Status::Ok();
  }
  Fp x, y;
  DEPINFER_RETURN_IF_ERROR(Fp::FromBytesBE(buf, &x).WithContext("compressed G1 x"));
  if (!(x.Square() * x + G1Cfg::B()).SqrtVartime(&y)) {
    return Status::InvalidArgument("compressed G1 x is not the x coordinate of a curve point");
  }
  if (y.IsLexLargest() != ((flags & kLargestFlag) != 0)) y = -y;
  *out = G1Affine::FromXY(x, y);
  return Status::Ok();
}

Status DecodeG2Compressed(std::span<const std::uint8_t> in, G2Affine* out) {
  if (in.size() != kG2CompressedBytes) return LengthError("compressed G2", kG2CompressedBytes, in.size());
  std::array<std::uint8_t, kG2CompressedBytes> buf;
  std::copy(in.begin(), in.end(), buf.begin());
  std::uint8_t flags = buf[0] & 0xc0;
  buf[0] &= 0x3f;
  if (flags & kInfinityFlag) {
    if (flags != kInfinityFlag || !AllZero(buf)) {
      return Status::InvalidArgument("compressed G2 infinity must have no other bits set");
    }
    *out = G2Affine::Infinity();
    return Status::Ok();
  }
  Fp2 x, y;
  DEPINFER_RETURN_IF_ERROR(DecodeFp2(buf, &x).WithContext("compressed G2 x"));
  if (!(x.Square() * x + G2Cfg::B()).SqrtVartime(&y)) {
    return Status::InvalidArgument("compressed G2 x is not the x coordinate of a twist point");
  }
  if (Fp2IsLexLargest(y) != ((flags & kLargestFlag) != 0)) y = -y;
  G2Affine p = G2Affine::FromXY(x, y);
  DEPINFER_RETURN_IF_ERROR(ValidateG2(p));
  *out = p;
  return Status::Ok();
}

}  // namespace depinfer::math::bn254
