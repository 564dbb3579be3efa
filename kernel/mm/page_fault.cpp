// The memory manager's side of the arch page-fault path: a fault at a user
// address (from user mode, or from the kernel's checked user copies) is
// resolved in the address space CR3 holds.
#include "arch/x86_64/user_entry.h"
#include "mm/address_space.h"

namespace charon::mm {

namespace {

bool g_installed;
FaultCounter g_fault_counter;

bool user_page_fault(uint64_t address, unsigned access) {
    AddressSpace* space = current_address_space();
    if (!space)
        return false;
    FaultAccess fault{.write = (access & arch::FaultWrite) != 0,
                      .exec = (access & arch::FaultExecute) != 0,
                      .user = (access & arch::FaultUser) != 0};
    if (space->handle_page_fault(address, fault).is_error())
        return false;
    if (g_fault_counter)
        g_fault_counter();
    return true;
}

} // namespace

void address_space_init() {
    if (g_installed)
        return;
    g_installed = true;
    arch::set_user_page_fault_handler(user_page_fault);
}

void set_fault_counter(FaultCounter counter) { g_fault_counter = counter; }

int user_fault_signal_code(uint64_t address, unsigned access) {
    AddressSpace* space = current_address_space();
    if (!space)
        return 1; // SEGV_MAPERR
    return space->classify_fault(address,
                                 FaultAccess{.write = (access & arch::FaultWrite) != 0,
                                             .exec = (access & arch::FaultExecute) != 0,
                                             .user = true});
}

} // namespace charon::mm
