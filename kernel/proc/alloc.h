// Every allocation of the lifecycle core goes through proc_new(), so tests can
// make any of them fail (fault injection) and prove the error paths: fork
// returns EAGAIN/ENOMEM, nothing leaks, nothing is half-linked.
#pragma once

#include <new>
#include <utility>

namespace charon::proc {

// Returns true when the next allocation must fail. Null: never fail.
using AllocFailHook = bool (*)(void* context);
void set_alloc_fail_hook(AllocFailHook hook, void* context);
bool alloc_should_fail();

template <typename T, typename... Args>
T* proc_new(Args&&... args) {
    if (alloc_should_fail())
        return nullptr;
    void* memory = ::operator new(sizeof(T), std::nothrow);
    if (!memory)
        return nullptr;
    return new (memory) T(std::forward<Args>(args)...);
}

template <typename T>
void proc_delete(T* object) {
    if (!object)
        return;
    object->~T();
    ::operator delete(object);
}

} // namespace charon::proc
