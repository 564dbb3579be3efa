// Intrusive doubly linked list: the node lives inside the object, so linking
// and unlinking never allocate and removal is O(1) from the object alone.
// An object may sit on several lists at once through several ListNode members.
//
//   struct Child { ListNode sibling_node; };
//   IntrusiveList<Child, &Child::sibling_node> children;
#pragma once

#include <cstddef>

#include "verify.h"

namespace charon {

struct ListNode {
    ListNode* prev = nullptr;
    ListNode* next = nullptr;

    bool is_linked() const { return next != nullptr; }
};

template <typename T, ListNode T::*Member>
class IntrusiveList {
public:
    IntrusiveList() { m_head.prev = m_head.next = &m_head; }
    IntrusiveList(const IntrusiveList&) = delete;
    IntrusiveList& operator=(const IntrusiveList&) = delete;
    // Objects must be unlinked before the list dies: a dangling node would
    // point at freed memory.
    ~IntrusiveList() { VERIFY(is_empty()); }

    bool is_empty() const { return m_head.next == &m_head; }
    size_t size_slow() const {
        size_t n = 0;
        for (const ListNode* node = m_head.next; node != &m_head; node = node->next)
            ++n;
        return n;
    }

    void push_back(T& object) { insert_before(&m_head, node_of(object)); }
    void push_front(T& object) { insert_before(m_head.next, node_of(object)); }

    static void remove(T& object) {
        ListNode* node = node_of(object);
        VERIFY(node->is_linked());
        node->prev->next = node->next;
        node->next->prev = node->prev;
        node->prev = node->next = nullptr;
    }
    static bool contains(const T& object) { return node_of(const_cast<T&>(object))->is_linked(); }

    T* first() const { return is_empty() ? nullptr : object_of(m_head.next); }
    T* last() const { return is_empty() ? nullptr : object_of(m_head.prev); }
    T* next_of(const T& object) const {
        ListNode* next = node_of(const_cast<T&>(object))->next;
        return next == &m_head ? nullptr : object_of(next);
    }

    T* take_first() {
        T* object = first();
        if (object)
            remove(*object);
        return object;
    }

    class Iterator {
    public:
        Iterator(ListNode* node, const ListNode* head) : m_node(node), m_head(head) { advance_cache(); }
        T& operator*() const { return *object_of(m_node); }
        T* operator->() const { return object_of(m_node); }
        // The next node is read before the body runs, so the current object
        // may be unlinked while iterating.
        Iterator& operator++() {
            m_node = m_next;
            advance_cache();
            return *this;
        }
        bool operator!=(const Iterator& other) const { return m_node != other.m_node; }

    private:
        void advance_cache() { m_next = m_node == m_head ? nullptr : m_node->next; }
        ListNode* m_node;
        ListNode* m_next{nullptr};
        const ListNode* m_head;
    };

    Iterator begin() const { return Iterator(m_head.next, &m_head); }
    Iterator end() const { return Iterator(const_cast<ListNode*>(&m_head), &m_head); }

private:
    static ListNode* node_of(T& object) { return &(object.*Member); }
    static T* object_of(ListNode* node) {
        // offsetof for a pointer-to-member, measured on suitably aligned
        // storage (a null base would trip UBSan).
        alignas(T) static unsigned char probe[sizeof(T)];
        auto* base = reinterpret_cast<T*>(probe);
        auto offset = reinterpret_cast<char*>(&(base->*Member)) - reinterpret_cast<char*>(base);
        return reinterpret_cast<T*>(reinterpret_cast<char*>(node) - offset);
    }
    static void insert_before(ListNode* position, ListNode* node) {
        VERIFY(!node->is_linked());
        node->next = position;
        node->prev = position->prev;
        position->prev->next = node;
        position->prev = node;
    }

    mutable ListNode m_head;
};

} // namespace charon
