# The freestanding kernel image. Every .cpp and .S under kernel/ is part of it.
file(GLOB_RECURSE CHARON_KERNEL_SOURCES CONFIGURE_DEPENDS
    ${CMAKE_SOURCE_DIR}/kernel/*.cpp
    ${CMAKE_SOURCE_DIR}/kernel/*.S)

set(CHARON_KERNEL_FLAGS
    -ffreestanding -fno-exceptions -fno-rtti -fno-pie -fno-pic
    -mno-red-zone -mcmodel=kernel
    # No SSE/x87 in kernel code: user FPU state is saved and restored by hand,
    # and the kernel must never clobber it behind a user's back.
    -mgeneral-regs-only -mno-mmx -mno-sse -mno-sse2
    -fno-stack-protector -fno-omit-frame-pointer -fno-threadsafe-statics
    -fno-asynchronous-unwind-tables -fno-use-cxa-atexit
    -O2 -g)

set(CHARON_LINKER_SCRIPT ${CMAKE_SOURCE_DIR}/kernel/arch/x86_64/linker.ld)

add_executable(charon.elf ${CHARON_KERNEL_SOURCES})
target_include_directories(charon.elf PRIVATE ${CMAKE_SOURCE_DIR}/kernel)
target_compile_definitions(charon.elf PRIVATE CHARON_KERNEL=1)
target_compile_options(charon.elf PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:${CHARON_KERNEL_FLAGS} ${CHARON_WARNINGS}>
    $<$<COMPILE_LANGUAGE:ASM>:-fno-pie -fno-pic>)
target_link_options(charon.elf PRIVATE
    -nostdlib -static -no-pie -Wl,--build-id=none -z max-page-size=0x1000
    -T ${CHARON_LINKER_SCRIPT})
target_link_libraries(charon.elf PRIVATE gcc)
set_target_properties(charon.elf PROPERTIES LINK_DEPENDS ${CHARON_LINKER_SCRIPT})
