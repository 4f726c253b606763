// The LSTM sequence kernels' building blocks (lstm_sequence_ops.cc): a
// register-tiled product of a row-major matrix with a packed 64-column
// panel, and the stages-and-items thread split with one barrier a stage.

#ifndef TF_DEEPEXAG_GEOMETRY_KERNELS_PANEL_PRODUCT_H_
#define TF_DEEPEXAG_GEOMETRY_KERNELS_PANEL_PRODUCT_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>

#include "../../warp/kernels/common.h"  // the TensorFlow names, WaitUntilAtLeast

namespace tf_deepexag {

// 16 floats: one AVX-512 register (two AVX2 ones where the CPU has no AVX-512).
typedef float Vec __attribute__((vector_size(64)));
constexpr int64_t kLanes = 16;
constexpr int64_t kBlock = 64;        // units per work item: 4 vectors of columns
constexpr int64_t kVectors = kBlock / kLanes;
constexpr int64_t kRowTile = 6;       // 6 rows x 4 vectors = 24 accumulators
constexpr int64_t kDepthChunk = 64;   // a 64 x 64 panel chunk (16 KiB) stays in L1

inline Vec Load(const float* p) {
  Vec v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
inline void Store(float* p, const Vec& v) { std::memcpy(p, &v, sizeof(v)); }

// c[r, 0:64] (+)= sum_k a[r * lda + k] * panel[k, 0:64] for R rows and
// `depth` k, the panel k-major and 64 wide.
template <int R>
void Tile(const float* a, int64_t lda, const float* panel, int64_t depth, float* c,
          int64_t ldc, bool accumulate) {
  Vec acc[R][kVectors];
  for (int r = 0; r < R; ++r) {
    for (int v = 0; v < kVectors; ++v) {
      acc[r][v] = accumulate ? Load(c + r * ldc + v * kLanes) : Vec{};
    }
  }
  for (int64_t k = 0; k < depth; ++k) {
    Vec b[kVectors];
    for (int v = 0; v < kVectors; ++v) b[v] = Load(panel + k * kBlock + v * kLanes);
    for (int r = 0; r < R; ++r) {
      const float x = a[r * lda + k];
      for (int v = 0; v < kVectors; ++v) acc[r][v] += x * b[v];
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int v = 0; v < kVectors; ++v) Store(c + r * ldc + v * kLanes, acc[r][v]);
  }
}

// c (rows x 64, row stride ldc) = a (rows x depth, row stride lda) . panel
// (depth x 64, packed).
inline void PanelProduct(const float* a, int64_t lda, int64_t rows, const float* panel,
                         int64_t depth, float* c, int64_t ldc) {
  for (int64_t k0 = 0; k0 < depth; k0 += kDepthChunk) {
    const int64_t chunk = std::min(kDepthChunk, depth - k0);
    const float* p = panel + k0 * kBlock;
    for (int64_t r0 = 0; r0 < rows; r0 += kRowTile) {
      const float* a0 = a + r0 * lda + k0;
      float* c0 = c + r0 * ldc;
      const bool acc = k0 > 0;
      switch (std::min(kRowTile, rows - r0)) {
        case 6: Tile<6>(a0, lda, p, chunk, c0, ldc, acc); break;
        case 5: Tile<5>(a0, lda, p, chunk, c0, ldc, acc); break;
        case 4: Tile<4>(a0, lda, p, chunk, c0, ldc, acc); break;
        case 3: Tile<3>(a0, lda, p, chunk, c0, ldc, acc); break;
        case 2: Tile<2>(a0, lda, p, chunk, c0, ldc, acc); break;
        default: Tile<1>(a0, lda, p, chunk, c0, ldc, acc); break;
      }
    }
  }
}

// Runs fn(stage, item) for every stage in order and every item of a stage in
// parallel: the caller and the pool's helpers take tickets from one counter
// (ticket = stage * items + item) and a ticket's stage starts once every item
// of the stages before it is done. Nobody waits for a helper to start: one
// that starts late takes the tickets that are left, or none (the counters
// outlive the call; `fn` runs only for tickets below the total, all finished
// before this returns). One helper fewer than the pool's threads: a waiting
// thread spins, and with as many threads as cores none is descheduled while
// holding an item.
template <typename Fn>
void RunStages(::tensorflow::thread::ThreadPool* pool, int64_t stages, int64_t items,
               const Fn& fn) {
  const int64_t total = stages * items;
  struct Counters {
    std::atomic<int64_t> next{0};
    std::atomic<int64_t> done{0};
  };
  auto counters = std::make_shared<Counters>();
  const Fn* body = &fn;
  // A step's items take ~0.1-1 ms: a waiting thread spins ~20000 pauses
  // (~0.5 ms) before it yields.
  constexpr int kSpins = 20000;
  auto work = [counters, body, items, total]() {
    for (int64_t ticket = counters->next.fetch_add(1, std::memory_order_relaxed);
         ticket < total; ticket = counters->next.fetch_add(1, std::memory_order_relaxed)) {
      const int64_t stage = ticket / items;
      WaitUntilAtLeast(counters->done, stage * items, kSpins);
      (*body)(stage, ticket % items);
      counters->done.fetch_add(1, std::memory_order_release);
    }
  };
  const int64_t helpers =
      std::min<int64_t>(items - 1, std::max(0, pool->NumThreads() - 1));
  for (int64_t h = 0; h < helpers; ++h) pool->Schedule(work);
  work();
  WaitUntilAtLeast(counters->done, total, kSpins);
}

}  // namespace tf_deepexag

#endif  // TF_DEEPEXAG_GEOMETRY_KERNELS_PANEL_PRODUCT_H_
