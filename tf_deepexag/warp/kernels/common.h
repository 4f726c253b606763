// Shared by the native kernels (dense_image_warp_op.cc, face_warp_ops.cc, tps_solve_op.cc here,
// geometry/kernels/lstm_sequence_ops.cc).

#ifndef TF_DEEPEXAG_WARP_KERNELS_COMMON_H_
#define TF_DEEPEXAG_WARP_KERNELS_COMMON_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "tensorflow/core/framework/op.h"
#include "tensorflow/core/framework/op_kernel.h"
#include "tensorflow/core/framework/shape_inference.h"
#include "tensorflow/core/lib/core/threadpool.h"

namespace tf_deepexag {

// The TensorFlow names every kernel uses.
using ::tensorflow::DEVICE_CPU;
using ::tensorflow::OpKernel;
using ::tensorflow::OpKernelConstruction;
using ::tensorflow::OpKernelContext;
using ::tensorflow::Tensor;
using ::tensorflow::TensorShape;
using ::tensorflow::errors::InvalidArgument;
using ::tensorflow::shape_inference::InferenceContext;

// Waits until `value` (read with acquire) reaches `target`: `spins` pause
// instructions first, then yielding the core at each look (a thread that
// shares the core may be the one to finish the work).
inline void WaitUntilAtLeast(const std::atomic<int64_t>& value, int64_t target, int spins) {
  for (int spin = 0; value.load(std::memory_order_acquire) < target; ++spin) {
    if (spin < spins) {
#if defined(__x86_64__)
      _mm_pause();
#endif
    } else {
      std::this_thread::yield();
    }
  }
}

// Runs `fn(begin, end)` on the blocks of `block_size` rows covering
// [0, total), the calling thread and `pool`'s workers claiming blocks from
// one atomic counter. Unlike ThreadPool::ParallelFor, which hands every
// block to the pool and puts the caller to sleep until the last one is done,
// the caller works from the first block on and never sleeps: on a machine as
// small as the pool, and shared with other processes, a worker that is slow
// to wake or is descheduled only means that the others take more blocks.
// A worker that starts after the caller returned finds no block left; the
// shared counters live as long as any worker holds them, and `fn` is called
// only for claimed blocks, all finished before this returns.
template <typename Fn>
void ParallelRows(::tensorflow::thread::ThreadPool* pool, int64_t total, int64_t block_size,
                  const Fn& fn) {
  const int64_t blocks = (total + block_size - 1) / block_size;
  // As many helpers as workers (one more thread than the pool): measured
  // against one fewer on the 2-core machine under load, equal best times
  // and ~15 % lower medians (bench/warp.py's inputs, A/B in one process).
  // A pool of one thread (TensorFlow sizes it to the CPUs the process may
  // use) gets none: on one core a helper only adds switches (under
  // `taskset -c 1`, warp_face 1.6-2.5 ms with one, 1.7-1.8 ms inline).
  const int64_t helpers =
      pool->NumThreads() > 1 ? std::min<int64_t>(blocks - 1, pool->NumThreads()) : 0;
  if (helpers <= 0) {
    fn(0, total);
    return;
  }
  struct Counters {
    std::atomic<int64_t> next{0};
    std::atomic<int64_t> done{0};
  };
  auto counters = std::make_shared<Counters>();
  const Fn* body = &fn;
  auto work = [counters, body, blocks, block_size, total]() {
    for (int64_t i = counters->next.fetch_add(1, std::memory_order_relaxed); i < blocks;
         i = counters->next.fetch_add(1, std::memory_order_relaxed)) {
      (*body)(i * block_size, std::min(total, (i + 1) * block_size));
      counters->done.fetch_add(1, std::memory_order_release);
    }
  };
  for (int64_t h = 0; h < helpers; ++h) pool->Schedule(work);
  work();
  // The last blocks are short: spin briefly, then yield the core to the
  // worker finishing them (it may share this core).
  WaitUntilAtLeast(counters->done, blocks, 2000);
}

// Blocks of ~8k elements (rows of `row_size`) for ParallelRows: small enough
// that a worker descheduled by another process on shared cores holds up the
// call by one short block, large enough that claiming costs nothing (2k to
// 16k measured the same at 1x512^2).
inline int64_t RowBlockSize(int64_t row_size) {
  return std::max<int64_t>(1, 8192 / std::max<int64_t>(1, row_size));
}

// Eigen's scalar_max/min_op on finite values (TF's Maximum/Minimum), in the
// argument order of the Python code they mirror.
template <typename V>
inline V Max(V a, V b) { return a < b ? b : a; }
template <typename V>
inline V Min(V a, V b) { return b < a ? b : a; }

}  // namespace tf_deepexag

#endif  // TF_DEEPEXAG_WARP_KERNELS_COMMON_H_
