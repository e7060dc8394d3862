; The reverse-mode tape: a LIFO byte stack. The augmented forward sweep pushes
; one bundle per executed block (the values that block's adjoint needs); the
; reverse sweep pops bundles in the opposite order. The first chunk lives on
; the caller's stack (no malloc for short runs); it grows by doubling.
; Layout of %adc.tape: { base, len, cap, first chunk (never freed) }.

%adc.tape = type { ptr, i64, i64, ptr }

declare ptr @malloc(i64)
declare ptr @realloc(ptr, i64)
declare void @free(ptr)
declare void @llvm.memcpy.p0.p0.i64(ptr, ptr, i64, i1)

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

; Room for %n more bytes; returns where to write them.
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
  call void @adc.tape.grow(ptr %t, i64 %new)
  br label %write
write:
  %base = load ptr, ptr %t
  store i64 %new, ptr %lenp
  %p = getelementptr inbounds i8, ptr %base, i64 %len
  ret ptr %p
}

define void @adc.tape.grow(ptr %t, i64 %need) noinline cold {
entry:
  %capp = getelementptr inbounds %adc.tape, ptr %t, i32 0, i32 2
  %cap = load i64, ptr %capp
  %dbl = shl i64 %cap, 1
  %big = icmp ugt i64 %need, %dbl
  %newcap = select i1 %big, i64 %need, i64 %dbl
  %base = load ptr, ptr %t
  %firstp = getelementptr inbounds %adc.tape, ptr %t, i32 0, i32 3
  %first = load ptr, ptr %firstp
  %onstack = icmp eq ptr %base, %first
  br i1 %onstack, label %move, label %re
move:
  %m = call ptr @malloc(i64 %newcap)
  %lenp = getelementptr inbounds %adc.tape, ptr %t, i32 0, i32 1
  %len = load i64, ptr %lenp
  call void @llvm.memcpy.p0.p0.i64(ptr %m, ptr %base, i64 %len, i1 false)
  br label %done
re:
  %r = call ptr @realloc(ptr %base, i64 %newcap)
  br label %done
done:
  %nb = phi ptr [ %m, %move ], [ %r, %re ]
  store ptr %nb, ptr %t
  store i64 %newcap, ptr %capp
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
  call void @free(ptr %base)
  br label %done
done:
  ret void
}

!0 = !{!"branch_weights", i32 1000, i32 1}
