// The checked user-memory path: EFAULT for every bad address class, success
// on a mapped user page, faults handed to the memory manager first, SMAP.
#include "arch/x86_64/paging.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/user_entry.h"
#include "ktest.h"
#include "lib/log.h"
#include "lib/string_util.h"
#include "mm/frame_allocator.h"
#include "sched/scheduler.h"
#include "syscall/user_ptr.h"

using namespace charon;
using namespace charon::arch;

namespace {

constexpr uint64_t user_page = 0x400000;     // mapped in the test root
constexpr uint64_t unmapped_page = 0x600000; // never mapped
constexpr uint64_t demand_page = 0x700000;   // mapped by the test fault handler

// A fresh address space with one user page, made current for the test.
class TestSpace {
public:
    bool set_up() {
        auto root = create_root();
        if (root.is_error())
            return false;
        m_root = root.value();
        auto frame = mm::allocate_frame();
        if (frame.is_error() || map_page(m_root, user_page, frame.value(), PageWrite | PageUser).is_error())
            return false;
        sched::set_current_root(m_root);
        return true;
    }
    ~TestSpace() {
        if (!m_root)
            return;
        sched::set_current_root(0);
        for (uint64_t page : {user_page, demand_page}) {
            auto frame = unmap_page(m_root, page);
            if (!frame.is_error())
                mm::free_frame(frame.value());
        }
        destroy_root(m_root);
    }
    PhysAddr root() const { return m_root; }

private:
    PhysAddr m_root = 0;
};

bool is_efault(const Result<void>& r) { return r.is_error() && r.error().code() == EFAULT; }

TestSpace* g_space;
unsigned g_demand_faults;
bool demand_fault_handler(uint64_t address, unsigned access) {
    if (align_down(address, page_size) != demand_page || (access & FaultUser))
        return false;
    ++g_demand_faults;
    auto frame = mm::allocate_frame();
    if (frame.is_error())
        return false;
    return !map_page(g_space->root(), demand_page, frame.value(), PageWrite | PageUser).is_error();
}

} // namespace

KERNEL_TEST(usercopy_bad_addresses_are_efault) {
    TestSpace space;
    KASSERT(space.set_up());
    char buffer[64] = {};
    static const char kernel_data[16] = "kernel";
    auto kernel_address = reinterpret_cast<uint64_t>(kernel_data);

    uint64_t bad[] = {
        0,                                 // null
        unmapped_page,                     // unmapped user page
        kernel_address,                    // kernel half (mapped, but not the user's)
        0xffff800000000000,                // the direct map
        0x0000800000000000,                // first non-canonical address
        0x0000900000000000,                // non-canonical
        user_address_limit,                // the guard page below the hole
    };
    for (uint64_t address : bad) {
        KEXPECT(is_efault(copy_from_user(buffer, address, 8)));
        KEXPECT(is_efault(copy_to_user(address, buffer, 8)));
        KEXPECT(is_efault(clear_user(address, 8)));
        auto s = copy_string_from_user(buffer, address, sizeof(buffer));
        KEXPECT(s.is_error() && s.error().code() == EFAULT);
    }
    // Ranges that wrap or run into the non-canonical hole.
    KEXPECT(is_efault(copy_from_user(buffer, user_page, ~0ull)));
    KEXPECT(is_efault(copy_from_user(buffer, 0xfffffffffffff000, 0x2000)));
    KEXPECT(is_efault(copy_to_user(user_address_limit - 8, buffer, 16)));
    // A range that starts mapped and runs into an unmapped page.
    KEXPECT(is_efault(copy_from_user(buffer, user_page + page_size - 8, 16)));
    KEXPECT(is_efault(copy_to_user(user_page + page_size - 4, buffer, 8)));
    // Zero bytes touch nothing (Linux: access_ok(addr, 0) holds, nothing is copied).
    KEXPECT(!copy_from_user(buffer, unmapped_page, 0).is_error());
}

KERNEL_TEST(usercopy_mapped_user_page_round_trip) {
    TestSpace space;
    KASSERT(space.set_up());
    const char message[] = "hello from the kernel";
    KASSERT_OK(copy_to_user(user_page + 100, message, sizeof(message)));
    char back[sizeof(message)] = {};
    KASSERT_OK(copy_from_user(back, user_page + 100, sizeof(message)));
    KEXPECT(memory_equal(back, message, sizeof(message)));

    // The whole page, exactly to its end.
    KASSERT_OK(clear_user(user_page, page_size));
    uint64_t word = 1;
    KASSERT_OK(copy_from_user(&word, user_page + page_size - 8, 8));
    KEXPECT_EQ(word, 0u);

    // Typed helpers.
    uint64_t value = 0x1122334455667788;
    KASSERT_OK(copy_to_user(UserPtr<uint64_t>(user_page + 8), value));
    uint64_t read = 0;
    KASSERT_OK(copy_from_user(read, UserPtr<uint64_t>(user_page + 8)));
    KEXPECT_EQ(read, value);
}

KERNEL_TEST(usercopy_strings) {
    TestSpace space;
    KASSERT(space.set_up());
    const char path[] = "/sbin/init";
    KASSERT_OK(copy_to_user(user_page, path, sizeof(path)));
    char out[32];
    size_t length = KASSERT_OK(copy_string_from_user(out, user_page, sizeof(out)));
    KEXPECT_EQ(length, sizeof(path) - 1);
    KEXPECT(string_equal(out, path));
    // Exactly fits (10 characters + NUL in 11 bytes), then one byte short.
    length = KASSERT_OK(copy_string_from_user(out, user_page, sizeof(path)));
    KEXPECT_EQ(length, sizeof(path) - 1);
    auto too_long = copy_string_from_user(out, user_page, sizeof(path) - 1);
    KEXPECT(too_long.is_error() && too_long.error().code() == ERANGE);
    // A string running off the end of the mapped page into an unmapped one.
    char filler[16];
    for (char& c : filler)
        c = 'x';
    KASSERT_OK(copy_to_user(user_page + page_size - sizeof(filler), filler, sizeof(filler)));
    auto off_the_end = copy_string_from_user(out, user_page + page_size - sizeof(filler), sizeof(out));
    KEXPECT(off_the_end.is_error() && off_the_end.error().code() == EFAULT);
}

KERNEL_TEST(usercopy_faults_go_to_the_memory_manager_first) {
    TestSpace space;
    KASSERT(space.set_up());
    g_space = &space;
    g_demand_faults = 0;
    UserPageFaultHandler previous = user_page_fault_handler();
    set_user_page_fault_handler(demand_fault_handler);
    uint64_t fixups = fixed_up_fault_count();
    const char data[] = "demand";
    auto result = copy_to_user(demand_page + 16, data, sizeof(data));
    char back[sizeof(data)] = {};
    auto again = copy_from_user(back, demand_page + 16, sizeof(data));
    // Unresolved by the handler: the fix-up still turns it into EFAULT.
    auto unresolved = copy_from_user(back, unmapped_page, 8);
    set_user_page_fault_handler(previous);
    g_space = nullptr;
    KEXPECT(!result.is_error());
    KEXPECT(!again.is_error());
    KEXPECT(memory_equal(back, data, sizeof(data)));
    KEXPECT_EQ(g_demand_faults, 1u);
    KEXPECT(is_efault(unresolved));
    KEXPECT_EQ(fixed_up_fault_count(), fixups + 1);
}

KERNEL_TEST(usercopy_smap_blocks_stray_kernel_accesses) {
    if (!smap_enabled()) {
        log_info("usercopy: CPU without SMAP, nothing to check");
        return;
    }
    TestSpace space;
    KASSERT(space.set_up());
    uint64_t value = 0x42;
    KASSERT_OK(copy_to_user(user_page, &value, sizeof(value)));
    // A plain (probing) kernel read of a mapped user page faults under SMAP.
    uint64_t read = 0;
    KEXPECT(!probe_read_u64(reinterpret_cast<const void*>(user_page), &read));
    KEXPECT_EQ(read, 0u);
    KEXPECT(smep_enabled());
}
