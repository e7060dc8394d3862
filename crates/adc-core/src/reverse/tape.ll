; The reverse-mode tape: a LIFO byte stack. The augmented forward sweep pushes
; one bundle per executed block (the values that block's adjoint needs); the
; reverse sweep pops bundles in the opposite order. The first chunk lives on
; the caller's stack (no malloc for short runs); it grows by doubling.
; Layout of %adc.tape: { base, len, cap, first chunk (never freed) }.
;
; A heap tape is not freed when a gradient returns: each thread keeps its
; largest one in @adc.tape.cache and the next gradient starts on it. Large
; blocks come from mmap, and without the cache every call would fault in
; (and have the kernel zero) every page of its tape again: that cost more
; than the gradient itself on the GMM benchmark. The cached block is also
; the value of a pthread key whose destructor is `free`, so a thread's block
; is freed when the thread exits (and the destructor is libc's, so it stays
; valid after a JIT that ran this code is gone).

%adc.tape = type { ptr, i64, i64, ptr }

; { block, its capacity } kept by this thread between gradients.
@adc.tape.cache = internal thread_local global { ptr, i64 } zeroinitializer
; The pthread key (pthread_key_t, an unsigned int) and its pthread_once_t.
@adc.tape.key = internal global i32 0
@adc.tape.once = internal global i32 0

declare i32 @pthread_once(ptr, ptr)
declare i32 @pthread_key_create(ptr, ptr)
declare i32 @pthread_setspecific(i32, ptr)

declare ptr @malloc(i64)
declare ptr @realloc(ptr, i64)
declare void @free(ptr)
declare void @llvm.memcpy.p0.p0.i64(ptr, ptr, i64, i1)
declare ptr @llvm.threadlocal.address.p0(ptr)

define void @adc.tape.init(ptr %t, ptr %chunk, i64 %size) alwaysinline {
  store ptr %chunk, ptr %t
  %lenp = getelementptr inbounds %adc.tape, ptr %t, i32 0, i32 1
  store i64 0, ptr %lenp
  %capp = getelementptr inbounds %adc.tape, ptr %t, i32 0, i32 2
  store i64 %size, ptr %capp
  %firstp = getelementptr inbounds %adc.tape, ptr %t, i32 0, i32 3
  store ptr %chunk, ptr %firstp
  ret void
}

; Room for %n more bytes; returns where to write them. The slow path gets
; and returns the tape's fields by value, so that once these helpers are
; inlined the tape struct never escapes and LLVM keeps its fields in
; registers (a push is then a compare, a store and an add).
define ptr @adc.tape.push(ptr %t, i64 %n) alwaysinline {
entry:
  %lenp = getelementptr inbounds %adc.tape, ptr %t, i32 0, i32 1
  %capp = getelementptr inbounds %adc.tape, ptr %t, i32 0, i32 2
  %len = load i64, ptr %lenp
  %cap = load i64, ptr %capp
  %new = add i64 %len, %n
  %fits = icmp ule i64 %new, %cap
  br i1 %fits, label %write, label %grow, !prof !0
grow:
  %base0 = load ptr, ptr %t
  %firstp = getelementptr inbounds %adc.tape, ptr %t, i32 0, i32 3
  %first = load ptr, ptr %firstp
  %r = call { ptr, i64 } @adc.tape.grow(ptr %base0, i64 %len, i64 %cap, ptr %first, i64 %new)
  %nb = extractvalue { ptr, i64 } %r, 0
  %nc = extractvalue { ptr, i64 } %r, 1
  store ptr %nb, ptr %t
  store i64 %nc, ptr %capp
  br label %write
write:
  %base = load ptr, ptr %t
  store i64 %new, ptr %lenp
  %p = getelementptr inbounds i8, ptr %base, i64 %len
  ret ptr %p
}

; A new block of at least %need bytes holding the first %len bytes of the
; tape at %base; returns it and its capacity.
define { ptr, i64 } @adc.tape.grow(ptr %base, i64 %len, i64 %cap, ptr %first, i64 %need) noinline cold {
entry:
  %dbl = shl i64 %cap, 1
  %big = icmp ugt i64 %need, %dbl
  %newcap = select i1 %big, i64 %need, i64 %dbl
  %onstack = icmp eq ptr %base, %first
  br i1 %onstack, label %move, label %re
move:
  ; Leaving the stack chunk: take the thread's cached block if it is big
  ; enough (and keep its whole capacity), else a new one.
  %cache = call ptr @llvm.threadlocal.address.p0(ptr @adc.tape.cache)
  %cblock = load ptr, ptr %cache
  %ccapp = getelementptr inbounds { ptr, i64 }, ptr %cache, i32 0, i32 1
  %ccap = load i64, ptr %ccapp
  %usable = icmp uge i64 %ccap, %newcap
  br i1 %usable, label %reuse, label %fresh
reuse:
  store ptr null, ptr %cache
  store i64 0, ptr %ccapp
  ; (the key exists: the block got into the cache through @adc.tape.keep)
  %key = load i32, ptr @adc.tape.key
  call i32 @pthread_setspecific(i32 %key, ptr null)
  br label %copy
fresh:
  %m = call ptr @malloc(i64 %newcap)
  br label %copy
copy:
  %nb0 = phi ptr [ %cblock, %reuse ], [ %m, %fresh ]
  %cap0 = phi i64 [ %ccap, %reuse ], [ %newcap, %fresh ]
  call void @llvm.memcpy.p0.p0.i64(ptr %nb0, ptr %base, i64 %len, i1 false)
  br label %done
re:
  %r = call ptr @realloc(ptr %base, i64 %newcap)
  br label %done
done:
  %nb = phi ptr [ %nb0, %copy ], [ %r, %re ]
  %nc = phi i64 [ %cap0, %copy ], [ %newcap, %re ]
  %out0 = insertvalue { ptr, i64 } poison, ptr %nb, 0
  %out = insertvalue { ptr, i64 } %out0, i64 %nc, 1
  ret { ptr, i64 } %out
}

define void @adc.tape.make_key() {
  call i32 @pthread_key_create(ptr @adc.tape.key, ptr @free)
  ret void
}

; Take back the last %n bytes pushed; returns where they are.
define ptr @adc.tape.pop(ptr %t, i64 %n) alwaysinline {
  %lenp = getelementptr inbounds %adc.tape, ptr %t, i32 0, i32 1
  %len = load i64, ptr %lenp
  %new = sub i64 %len, %n
  store i64 %new, ptr %lenp
  %base = load ptr, ptr %t
  %p = getelementptr inbounds i8, ptr %base, i64 %new
  ret ptr %p
}

; Bytes on the tape now (reverse loops compare it with the length at loop
; entry to recognise their first iteration).
define i64 @adc.tape.len(ptr %t) alwaysinline {
  %lenp = getelementptr inbounds %adc.tape, ptr %t, i32 0, i32 1
  %len = load i64, ptr %lenp
  ret i64 %len
}

define void @adc.tape.free(ptr %t) alwaysinline {
entry:
  %base = load ptr, ptr %t
  %firstp = getelementptr inbounds %adc.tape, ptr %t, i32 0, i32 3
  %first = load ptr, ptr %firstp
  %onstack = icmp eq ptr %base, %first
  br i1 %onstack, label %done, label %heap
heap:
  %capp = getelementptr inbounds %adc.tape, ptr %t, i32 0, i32 2
  %cap = load i64, ptr %capp
  call void @adc.tape.keep(ptr %base, i64 %cap)
  br label %done
done:
  ret void
}

; A heap tape goes to the thread's cache; of two blocks the larger stays.
define void @adc.tape.keep(ptr %base, i64 %cap) noinline {
entry:
  %cache = call ptr @llvm.threadlocal.address.p0(ptr @adc.tape.cache)
  %cblock = load ptr, ptr %cache
  %ccapp = getelementptr inbounds { ptr, i64 }, ptr %cache, i32 0, i32 1
  %ccap = load i64, ptr %ccapp
  %bigger = icmp ugt i64 %cap, %ccap
  br i1 %bigger, label %swap, label %drop
swap:
  store ptr %base, ptr %cache
  store i64 %cap, ptr %ccapp
  call void @free(ptr %cblock)
  call i32 @pthread_once(ptr @adc.tape.once, ptr @adc.tape.make_key)
  %key = load i32, ptr @adc.tape.key
  call i32 @pthread_setspecific(i32 %key, ptr %base)
  ret void
drop:
  call void @free(ptr %base)
  ret void
}

!0 = !{!"branch_weights", i32 1000, i32 1}
