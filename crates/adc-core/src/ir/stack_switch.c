/* Run a derivative of a recursive function on a larger stack (ir/
 * stack_switch.rs). A derivative keeps more per level of recursion than
 * its primal (tangents; the reverse sweep's own frames), so on the
 * primal's stack it overflowed at a quarter of the primal's depth. The
 * public function calls adc_stack_switch_run(thunk, frame): the thunk runs
 * on a stack of eight times RLIMIT_STACK (reserved, pages committed as
 * they are touched, a guard page below), in the same thread. An
 * unlimited rlimit or a failed mapping run the thunk where it is. Compiled to IR by
 * build.rs and linked into modules that need it. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

typedef void (*adc_thunk)(void *);

/* One stack is kept between calls, as a thread keeps its own stack's
 * pages; a call that finds it taken (another thread's, or a nested call)
 * maps one of its own and unmaps it after. No per-thread state and no
 * destructor: code that adc's JIT ran (adc check, the tests) is freed
 * before the threads that ran it exit. */
static _Atomic(char *) adc_stack_kept;
static _Atomic size_t adc_stack_want;
/* Call fn(arg) with the stack pointer at `top` (16-byte aligned), and
 * come back to this stack: x86-64's SysV ABI, caller-saved registers
 * clobbered. (ucontext's swapcontext did the same with four system calls
 * per call.) */
static void adc_call_on_stack(char *top, adc_thunk fn, void *arg) {
  __asm__ volatile("mov %%rsp, %%rbx\n\t"
                   "mov %[top], %%rsp\n\t"
                   "call *%[fn]\n\t"
                   "mov %%rbx, %%rsp\n\t"
                   : "+D"(arg)
                   : [top] "r"(top), [fn] "r"(fn)
                   : "rax", "rbx", "rcx", "rdx", "rsi", "r8", "r9", "r10", "r11", "xmm0", "xmm1",
                     "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
                     "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "memory", "cc");
}

void adc_stack_switch_run(adc_thunk fn, void *arg) {
  const size_t page = 4096;
  size_t want = atomic_load(&adc_stack_want);
  if (!want) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_STACK, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
        rl.rlim_cur > ((size_t)1 << 32))
      want = (size_t)-1;
    else
      want = (8 * (size_t)rl.rlim_cur + page - 1) / page * page;
    atomic_store(&adc_stack_want, want);
  }
  if (want == (size_t)-1) {
    fn(arg);
    return;
  }
  char *base = atomic_exchange(&adc_stack_kept, NULL);
  if (!base) {
    base = mmap(NULL, want + page, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (base == MAP_FAILED) {
      fn(arg);
      return;
    }
    mprotect(base, page, PROT_NONE);
  }
  adc_call_on_stack(base + page + want, fn, arg);
  char *none = NULL;
  if (!atomic_compare_exchange_strong(&adc_stack_kept, &none, base)) munmap(base, want + page);
}
