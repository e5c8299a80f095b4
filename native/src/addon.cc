// The one N-API glue file (node-addon-api): turns JS values into the core's plain C++ inputs,
// calls it, and turns results back. Bad input throws an Error with code NATIVE_BAD_INPUT
// (the TypeScript wrapper validates first; this is the last line, never a crash).
#include <napi.h>

#include <cstring>
#include <vector>

#include "bignum.h"
#include "mont.h"
#include "prime.h"
#include "sha256.h"
#include "submit.h"
#include "fanout.h"
#include "listen.h"

namespace {

using namespace colliery;

[[noreturn]] void fail(Napi::Env env, const char* code, const char* message) {
  Napi::Error e = Napi::Error::New(env, message);
  e.Value().Set("code", Napi::String::New(env, code));
  throw e;
}

template <typename T, napi_typedarray_type kType>
Napi::TypedArrayOf<T> typed_arg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  const Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != kType)
    fail(info.Env(), "NATIVE_BAD_INPUT", what);
  return v.As<Napi::TypedArrayOf<T>>();
}

Napi::Uint8Array bytes_arg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  return typed_arg<uint8_t, napi_uint8_array>(info, i, what);
}

uint32_t u32_arg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  const Napi::Value v = info[i];
  if (!v.IsNumber()) fail(info.Env(), "NATIVE_BAD_INPUT", what);
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= 4294967295.0) || d != (double)(uint32_t)d) fail(info.Env(), "NATIVE_BAD_INPUT", what);
  return (uint32_t)d;
}

// A BigInt's sign and magnitude limbs.
struct Big {
  int sign = 0;
  std::vector<uint64_t> words;
};

Big bigint_arg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  const Napi::Value v = info[i];
  if (!v.IsBigInt()) fail(info.Env(), "NATIVE_BAD_INPUT", what);
  Napi::BigInt b = v.As<Napi::BigInt>();
  Big out;
  size_t count = b.WordCount();
  out.words.assign(count ? count : 1, 0);
  count = out.words.size();
  b.ToWords(&out.sign, &count, out.words.data());
  out.words.resize(count);
  return out;
}

// An origin for the chain functions: 2 <= O <= 2^2048 - 1 (consensus stops at 2^2000 - 1; the
// words of a slightly larger origin are still defined and the vectors record some).
Num origin_arg(const Napi::CallbackInfo& info, size_t i) {
  const Big b = bigint_arg(info, i, "origin must be a bigint");
  Num n;
  if (b.sign || !num_from_limbs(n, b.words.data(), b.words.size()) || num_bits(n) > 2048 ||
      num_bits(n) < 2)
    fail(info.Env(), "NATIVE_OUT_OF_RANGE", "origin must be in [2, 2^2048 - 1]");
  return n;
}

Napi::Uint8Array copy_out(Napi::Env env, const uint8_t* data, size_t len) {
  Napi::Uint8Array out = Napi::Uint8Array::New(env, len);
  if (len) std::memcpy(out.Data(), data, len);
  return out;
}

Napi::Value ShaFeatureName(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), sha_feature_name(sha_feature()));
}

Napi::Value SelectSha(const Napi::CallbackInfo& info) {
  if (!info[0].IsString()) fail(info.Env(), "NATIVE_BAD_INPUT", "feature must be a string");
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  bool ok;
  if (name == "portable") ok = sha_select(ShaFeature::Portable);
  else if (name == "sha-ni") ok = sha_select(ShaFeature::ShaNi);
  else fail(info.Env(), "NATIVE_BAD_INPUT", "feature must be 'sha-ni' or 'portable'");
  return Napi::Boolean::New(info.Env(), ok);
}

// selectMontgomery('adx' | 'portable') -> whether that path now runs (prime tests compare both).
Napi::Value SelectMontgomery(const Napi::CallbackInfo& info) {
  if (!info[0].IsString()) fail(info.Env(), "NATIVE_BAD_INPUT", "path must be a string");
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  if (name != "adx" && name != "portable") fail(info.Env(), "NATIVE_BAD_INPUT", "path must be 'adx' or 'portable'");
  return Napi::Boolean::New(info.Env(), mont::select_adx(name == "adx"));
}

Napi::Value Sha256d(const Napi::CallbackInfo& info) {
  const Napi::Uint8Array data = bytes_arg(info, 0, "data must be a Uint8Array");
  uint8_t out[32];
  sha256d(out, data.Data(), data.ElementLength());
  return copy_out(info.Env(), out, 32);
}

Napi::Value HashHeaders(const Napi::CallbackInfo& info) {
  const Napi::Uint8Array headers = bytes_arg(info, 0, "headers must be a Uint8Array");
  const size_t len = headers.ElementLength();
  if (len % 80) fail(info.Env(), "NATIVE_BAD_INPUT", "headers length must be a multiple of 80");
  Napi::Uint8Array out = Napi::Uint8Array::New(info.Env(), len / 80 * 32);
  sha256d_headers(out.Data(), headers.Data(), len / 80);
  return out;
}

// hashSubmits(packed, meta): packed holds, per item, coinbase1|en1|en2|coinbase2|branches|prevHash;
// meta (Uint32Array) holds, per item, the five part lengths then version, ntime, nbits, nonce.
// Returns n*112 bytes: per item the 80-byte header then its 32-byte hash.
Napi::Value HashSubmits(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const Napi::Uint8Array packed = bytes_arg(info, 0, "packed must be a Uint8Array");
  const Napi::Value mv = info[1];
  if (!mv.IsTypedArray() || mv.As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array)
    fail(env, "NATIVE_BAD_INPUT", "meta must be a Uint32Array");
  const Napi::Uint32Array meta = mv.As<Napi::Uint32Array>();
  const size_t fields = 9, n = meta.ElementLength() / fields;
  if (meta.ElementLength() % fields) fail(env, "NATIVE_BAD_INPUT", "meta length must be a multiple of 9");
  const uint8_t* base = packed.Data();
  const size_t total = packed.ElementLength();
  size_t need = 0;
  for (size_t i = 0; i < n; i++) {
    const uint32_t* m = meta.Data() + fields * i;
    if (m[4] % 32) fail(env, "NATIVE_BAD_INPUT", "merkle branches length must be a multiple of 32");
    need += (size_t)m[0] + m[1] + m[2] + m[3] + m[4] + 32;
  }
  if (need != total) fail(env, "NATIVE_BAD_INPUT", "packed length does not match meta");
  Napi::Uint8Array out = Napi::Uint8Array::New(env, n * 112);
  size_t at = 0;
  for (size_t i = 0; i < n; i++) {
    const uint32_t* m = meta.Data() + fields * i;
    SubmitParts p;
    Bytes* parts[5] = {&p.coinbase1, &p.extranonce1, &p.extranonce2, &p.coinbase2, &p.branches};
    for (int f = 0; f < 5; f++) {
      parts[f]->data = base + at;
      parts[f]->len = m[f];
      at += m[f];
    }
    p.prev_hash = base + at;
    at += 32;
    p.version = m[5];
    p.ntime = m[6];
    p.nbits = m[7];
    p.nonce = m[8];
    hash_submit(p, out.Data() + 112 * i, out.Data() + 112 * i + 80);
  }
  return out;
}

Napi::Value FermatTest(const Napi::CallbackInfo& info) {
  const Big b = bigint_arg(info, 0, "n must be a bigint");
  Num n;
  if (b.sign || !num_from_limbs(n, b.words.data(), b.words.size()) || n.n == 0)
    fail(info.Env(), "NATIVE_OUT_OF_RANGE", "n must be in [1, 2^2304)");
  return Napi::Boolean::New(info.Env(), fermat_probable_prime(n));
}

Napi::Value PrimeChain(const Napi::CallbackInfo& info) {
  const Num origin = origin_arg(info, 0);
  const bool fermat = info[1].ToBoolean().Value();
  ChainWords w;
  if (prime_chain(origin, fermat, &w) != kOk) fail(info.Env(), "NATIVE_INTERNAL", "chain outgrew capacity");
  Napi::Array out = Napi::Array::New(info.Env(), 3);
  out.Set(0u, Napi::Number::New(info.Env(), w.c1));
  out.Set(1u, Napi::Number::New(info.Env(), w.c2));
  out.Set(2u, Napi::Number::New(info.Env(), w.tw));
  return out;
}

Multiplier multiplier_of(const Big& b) { return Multiplier{b.sign != 0, b.words.data(), b.words.size()}; }

// checkPow(hash32, multiplier, nBits, minLength) -> [error, type, length]
Napi::Value CheckPow(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const Napi::Uint8Array hash = bytes_arg(info, 0, "headerHash must be a Uint8Array");
  if (hash.ElementLength() != 32) fail(env, "NATIVE_BAD_INPUT", "headerHash must be 32 bytes");
  const Big m = bigint_arg(info, 1, "multiplier must be a bigint");
  const uint32_t nbits = u32_arg(info, 2, "nBits must be a u32");
  const uint32_t min_length = u32_arg(info, 3, "minLength must be a u32");
  PowVerdict v;
  if (check_pow(hash.Data(), multiplier_of(m), nbits, min_length, &v) != kOk)
    fail(env, "NATIVE_INTERNAL", "chain outgrew capacity");
  Napi::Array out = Napi::Array::New(env, 3);
  out.Set(0u, Napi::Number::New(env, v.error));
  out.Set(1u, Napi::Number::New(env, v.type));
  out.Set(2u, Napi::Number::New(env, v.length));
  return out;
}

// checkShare(header80, multiplier, shareNBits, blockNBits, minLength)
//   -> [hashes(64: header hash | block hash), haveWords, c1, c2, tw, type, length, shareError, blockError]
Napi::Value CheckShare(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const Napi::Uint8Array header = bytes_arg(info, 0, "header must be a Uint8Array");
  if (header.ElementLength() != 80) fail(env, "NATIVE_BAD_INPUT", "header must be 80 bytes");
  const Big m = bigint_arg(info, 1, "multiplier must be a bigint");
  const uint32_t share_nbits = u32_arg(info, 2, "shareNBits must be a u32");
  const uint32_t block_nbits = u32_arg(info, 3, "blockNBits must be a u32");
  const uint32_t min_length = u32_arg(info, 4, "minLength must be a u32");
  ShareVerdict v;
  if (check_share(header.Data(), multiplier_of(m), share_nbits, block_nbits, min_length, &v) != kOk)
    fail(env, "NATIVE_INTERNAL", "chain outgrew capacity");
  Napi::Array out = Napi::Array::New(env, 9);
  Napi::Uint8Array hashes = Napi::Uint8Array::New(env, 64);
  std::memcpy(hashes.Data(), v.header_hash, 32);
  std::memcpy(hashes.Data() + 32, v.block_hash, 32);
  out.Set(0u, hashes);
  out.Set(1u, Napi::Boolean::New(env, v.have_words));
  out.Set(2u, Napi::Number::New(env, v.words.c1));
  out.Set(3u, Napi::Number::New(env, v.words.c2));
  out.Set(4u, Napi::Number::New(env, v.words.tw));
  out.Set(5u, Napi::Number::New(env, v.type));
  out.Set(6u, Napi::Number::New(env, v.length));
  out.Set(7u, Napi::Number::New(env, v.share_error));
  out.Set(8u, Napi::Number::New(env, v.block_error));
  return out;
}

// sendToMany(fds: Int32Array, data: Uint8Array, threads: number): Int32Array
Napi::Value SendToMany(const Napi::CallbackInfo& info) {
  const Napi::Int32Array fds = typed_arg<int32_t, napi_int32_array>(info, 0, "fds must be an Int32Array");
  const Napi::Uint8Array data = bytes_arg(info, 1, "data must be a Uint8Array");
  const uint32_t threads = u32_arg(info, 2, "threads must be a u32");
  Napi::Int32Array out = Napi::Int32Array::New(info.Env(), fds.ElementLength());
  send_to_many(fds.Data(), out.Data(), fds.ElementLength(), data.Data(), data.ByteLength(),
               threads > 16 ? 16 : threads);
  return out;
}

// sendEach(fds: Int32Array, data: Uint8Array, ends: Uint32Array, threads: number): Int32Array
Napi::Value SendEach(const Napi::CallbackInfo& info) {
  const Napi::Int32Array fds = typed_arg<int32_t, napi_int32_array>(info, 0, "fds must be an Int32Array");
  const Napi::Uint8Array data = bytes_arg(info, 1, "data must be a Uint8Array");
  const Napi::Uint32Array ends =
      typed_arg<uint32_t, napi_uint32_array>(info, 2, "ends must be a Uint32Array");
  if (ends.ElementLength() != fds.ElementLength())
    fail(info.Env(), "NATIVE_BAD_INPUT", "ends must have one entry per fd");
  uint32_t last = 0;
  for (size_t i = 0; i < ends.ElementLength(); i++) {
    if (ends[i] < last || ends[i] > data.ByteLength())
      fail(info.Env(), "NATIVE_BAD_INPUT", "ends must not decrease nor pass the data's end");
    last = ends[i];
  }
  const uint32_t threads = u32_arg(info, 3, "threads must be a u32");
  Napi::Int32Array out = Napi::Int32Array::New(info.Env(), fds.ElementLength());
  send_each(fds.Data(), out.Data(), fds.ElementLength(), data.Data(), ends.Data(),
            threads > 16 ? 16 : threads);
  return out;
}

// sendBackend(want?: "io_uring" | "send"): the way sendToMany and sendEach send now
Napi::Value SendBackend(const Napi::CallbackInfo& info) {
  std::string want;
  if (info.Length() > 0 && !info[0].IsUndefined()) {
    if (!info[0].IsString()) fail(info.Env(), "NATIVE_BAD_INPUT", "backend must be a string");
    want = info[0].As<Napi::String>().Utf8Value();
    if (want != "io_uring" && want != "send")
      fail(info.Env(), "NATIVE_BAD_INPUT", "backend must be \"io_uring\" or \"send\"");
  }
  return Napi::String::New(info.Env(), send_backend(want.empty() ? nullptr : want.c_str()));
}

// bindReusePort(host: string, port: number, listen: boolean, backlog: number): { fd, port }
Napi::Value BindReusePort(const Napi::CallbackInfo& info) {
  if (!info[0].IsString()) fail(info.Env(), "NATIVE_BAD_INPUT", "host must be a string");
  const std::string host = info[0].As<Napi::String>().Utf8Value();
  const uint32_t port = u32_arg(info, 1, "port must be a u32");
  if (port > 65535) fail(info.Env(), "NATIVE_BAD_INPUT", "port must be at most 65535");
  if (!info[2].IsBoolean()) fail(info.Env(), "NATIVE_BAD_INPUT", "listen must be a boolean");
  const uint32_t backlog = u32_arg(info, 3, "backlog must be a u32");
  std::string error;
  const int fd = bind_reuse_port(host, static_cast<uint16_t>(port), info[2].As<Napi::Boolean>(),
                                 backlog > 65535 ? 65535 : static_cast<int>(backlog), error);
  if (fd < 0) {
    const std::string message = host + ":" + std::to_string(port) + ": " + error;
    Napi::Error e = Napi::Error::New(info.Env(), message);
    e.Value().Set("code", Napi::String::New(info.Env(), "NATIVE_LISTEN_FAILED"));
    e.Value().Set("errno", Napi::Number::New(info.Env(), -fd));
    throw e;
  }
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("fd", Napi::Number::New(info.Env(), fd));
  out.Set("port", Napi::Number::New(info.Env(), bound_port(fd)));
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("bindReusePort", Napi::Function::New(env, BindReusePort));
  exports.Set("sendToMany", Napi::Function::New(env, SendToMany));
  exports.Set("sendEach", Napi::Function::New(env, SendEach));
  exports.Set("sendBackend", Napi::Function::New(env, SendBackend));
  exports.Set("shaFeature", Napi::Function::New(env, ShaFeatureName));
  exports.Set("shaNiSupported", Napi::Boolean::New(env, sha_ni_supported()));
  exports.Set("selectSha", Napi::Function::New(env, SelectSha));
  exports.Set("sha256d", Napi::Function::New(env, Sha256d));
  exports.Set("hashHeaders", Napi::Function::New(env, HashHeaders));
  exports.Set("hashSubmits", Napi::Function::New(env, HashSubmits));
  exports.Set("fermatTest", Napi::Function::New(env, FermatTest));
  exports.Set("primeChain", Napi::Function::New(env, PrimeChain));
  exports.Set("checkPow", Napi::Function::New(env, CheckPow));
  exports.Set("checkShare", Napi::Function::New(env, CheckShare));
  exports.Set("selectMontgomery", Napi::Function::New(env, SelectMontgomery));
  return exports;
}

}  // namespace

NODE_API_MODULE(colliery_native, Init)
