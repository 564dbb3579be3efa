# The freestanding kernel image. Every .cpp and .S under kernel/ is part of it,
# and so are the in-kernel self-tests under tests/kernel/.
file(GLOB_RECURSE CHARON_KERNEL_SOURCES CONFIGURE_DEPENDS
    ${CMAKE_SOURCE_DIR}/kernel/*.cpp
    ${CMAKE_SOURCE_DIR}/kernel/*.S
    ${CMAKE_SOURCE_DIR}/tests/kernel/*.cpp)

set(CHARON_KERNEL_FLAGS
    -ffreestanding -fno-exceptions -fno-rtti -fno-pie -fno-pic
    -mno-red-zone -mcmodel=kernel
    # No SSE/x87 in kernel code: user FPU state is saved and restored by hand,
    # and the kernel must never clobber it behind a user's back.
    -mgeneral-regs-only -mno-mmx -mno-sse -mno-sse2
    -fno-stack-protector -fno-omit-frame-pointer -fno-threadsafe-statics
    -fno-asynchronous-unwind-tables -fno-use-cxa-atexit
    # __FILE__ relative to the repository: short VERIFY and test reports.
    -fmacro-prefix-map=${CMAKE_SOURCE_DIR}/=
    -O2 -g)

set(CHARON_LINKER_SCRIPT ${CMAKE_SOURCE_DIR}/kernel/arch/x86_64/linker.ld)

add_library(charon_kernel_objects OBJECT ${CHARON_KERNEL_SOURCES})
target_include_directories(charon_kernel_objects PRIVATE ${CMAKE_SOURCE_DIR}/kernel ${CMAKE_SOURCE_DIR}/tests/kernel)
target_compile_definitions(charon_kernel_objects PRIVATE CHARON_KERNEL=1)
target_compile_options(charon_kernel_objects PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:${CHARON_KERNEL_FLAGS} ${CHARON_WARNINGS}>
    $<$<COMPILE_LANGUAGE:ASM>:-fno-pie -fno-pic>)

set(CHARON_KERNEL_LINK_OPTIONS
    -nostdlib -static -no-pie -Wl,--build-id=none -z max-page-size=0x1000
    -Wl,--no-warn-rwx-segments -T ${CHARON_LINKER_SCRIPT})

# Two-pass link, so backtraces can name functions: pass 1 links without a
# symbol table, its `nm` output becomes ksyms.S, pass 2 links that in. The
# linker script puts .ksyms after everything else, so no address moves.
add_executable(charon.pass1.elf $<TARGET_OBJECTS:charon_kernel_objects>)
target_link_options(charon.pass1.elf PRIVATE ${CHARON_KERNEL_LINK_OPTIONS})
target_link_libraries(charon.pass1.elf PRIVATE gcc)
set_target_properties(charon.pass1.elf PROPERTIES LINK_DEPENDS ${CHARON_LINKER_SCRIPT} LINKER_LANGUAGE CXX)

set(CHARON_KSYMS_S ${CMAKE_BINARY_DIR}/ksyms.S)
add_custom_command(
    OUTPUT ${CHARON_KSYMS_S}
    COMMAND nm -n -S -C --defined-only $<TARGET_FILE:charon.pass1.elf> > ${CMAKE_BINARY_DIR}/ksyms.nm
    COMMAND python3 ${CMAKE_SOURCE_DIR}/tools/gen-ksyms.py ${CMAKE_BINARY_DIR}/ksyms.nm ${CHARON_KSYMS_S}
    DEPENDS charon.pass1.elf ${CMAKE_SOURCE_DIR}/tools/gen-ksyms.py
    COMMENT "Generating the kernel symbol table"
    VERBATIM)

add_executable(charon.elf $<TARGET_OBJECTS:charon_kernel_objects> ${CHARON_KSYMS_S})
target_compile_options(charon.elf PRIVATE -fno-pie -fno-pic)
target_link_options(charon.elf PRIVATE ${CHARON_KERNEL_LINK_OPTIONS})
target_link_libraries(charon.elf PRIVATE gcc)
set_target_properties(charon.elf PROPERTIES LINK_DEPENDS ${CHARON_LINKER_SCRIPT} LINKER_LANGUAGE CXX)

# Pass 2 must not move a single function: compare the two symbol lists.
add_custom_command(TARGET charon.elf POST_BUILD
    COMMAND sh -c "nm -n -S -C --defined-only $0 | grep -v -E ' (__kernel_end|__ksyms_start|__ksyms_end)$' > $1.pass2.nm && nm -n -S -C --defined-only $2 | grep -v -E ' (__kernel_end|__ksyms_start|__ksyms_end)$' > $1.pass1.nm && cmp -s $1.pass1.nm $1.pass2.nm || { echo 'ksyms: pass 2 moved symbols' >&2; exit 1; }"
        $<TARGET_FILE:charon.elf> ${CMAKE_BINARY_DIR}/ksyms $<TARGET_FILE:charon.pass1.elf>
    VERBATIM)
