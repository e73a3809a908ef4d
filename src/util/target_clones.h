// SYNTHUB_CLONES: compile a hot function for AVX2 and baseline x86-64 and
// pick one at load time (GCC/clang target_clones), so that one portable
// binary uses AVX2 where the CPU has it. Only for code whose results do not
// depend on the ISA (integer math, correctly rounded IEEE operations without
// contraction). Off under sanitizers, whose runtimes do not support the
// ifunc resolvers that run before them.
#ifndef SYNTHUB_UTIL_TARGET_CLONES_H_
#define SYNTHUB_UTIL_TARGET_CLONES_H_

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define SYNTHUB_NO_CLONES 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define SYNTHUB_NO_CLONES 1
#endif
#endif

#if defined(SYNTHUB_NO_CLONES) || !defined(__x86_64__)
#define SYNTHUB_CLONES
#else
#define SYNTHUB_CLONES __attribute__((target_clones("avx2", "default")))
#endif

#endif  // SYNTHUB_UTIL_TARGET_CLONES_H_
