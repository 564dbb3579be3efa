// Intrusive min-heap of deadlines (a pairing heap): the timers' queue, so a
// timer wake-up costs the timers that expire plus O(log n), not a walk over
// every armed timer.
//
// Why a pairing heap: like IntrusiveList the node lives in the object, so
// arming never allocates (and cannot fail) and removing an armed timer needs
// only the object; insert and earliest() are O(1), pop and remove O(log n)
// amortized, in about a third of the code of a red-black tree (Linux's
// timerqueue). A binary heap would need an array that grows on arm.
//
//   struct Timer { HeapNode node; uint64_t expires; };
//   DeadlineHeap<Timer, &Timer::node, &Timer::expires> armed;
//
// The key is read from the object: it must not change while the object is
// linked (remove, change, insert again). Equal keys are allowed; their order
// is unspecified.
#pragma once

#include <cstddef>
#include <cstdint>

#include "verify.h"

namespace charon {

struct HeapNode {
    HeapNode* child = nullptr; // leftmost child
    HeapNode* next = nullptr;  // right sibling
    HeapNode* prev = nullptr;  // left sibling, or the parent of a leftmost child
    bool linked = false;

    bool is_linked() const { return linked; }
};

template <typename T, HeapNode T::*Member, uint64_t T::*Key>
class DeadlineHeap {
public:
    DeadlineHeap() = default;
    DeadlineHeap(const DeadlineHeap&) = delete;
    DeadlineHeap& operator=(const DeadlineHeap&) = delete;
    // As IntrusiveList: objects leave before the heap dies.
    ~DeadlineHeap() { VERIFY(is_empty()); }

    bool is_empty() const { return !m_root; }
    T* earliest() const { return m_root ? object_of(m_root) : nullptr; }

    void insert(T& object) {
        HeapNode* node = &(object.*Member);
        VERIFY(!node->linked);
        node->child = node->next = node->prev = nullptr;
        node->linked = true;
        m_root = m_root ? meld(m_root, node) : node;
    }

    static bool contains(const T& object) { return (object.*Member).linked; }

    void remove(T& object) {
        HeapNode* node = &(object.*Member);
        VERIFY(node->linked);
        if (node == m_root) {
            m_root = merge_pairs(node->child);
        } else {
            // Cut the node's subtree out, then put its children back.
            if (node->prev->child == node)
                node->prev->child = node->next;
            else
                node->prev->next = node->next;
            if (node->next)
                node->next->prev = node->prev;
            if (HeapNode* rest = merge_pairs(node->child))
                m_root = meld(m_root, rest);
        }
        if (m_root)
            m_root->prev = nullptr;
        node->child = node->next = node->prev = nullptr;
        node->linked = false;
    }

    // The earliest object if its key is <= `now`, unlinked; null otherwise.
    T* take_due(uint64_t now) {
        T* first = earliest();
        if (!first || first->*Key > now)
            return nullptr;
        remove(*first);
        return first;
    }

private:
    static uint64_t key_of(HeapNode* node) { return object_of(node)->*Key; }
    static T* object_of(HeapNode* node) {
        // offsetof for a pointer-to-member (as IntrusiveList::object_of).
        alignas(T) static unsigned char probe[sizeof(T)];
        auto* base = reinterpret_cast<T*>(probe);
        auto offset = reinterpret_cast<char*>(&(base->*Member)) - reinterpret_cast<char*>(base);
        return reinterpret_cast<T*>(reinterpret_cast<char*>(node) - offset);
    }

    // Two roots (no siblings) into one: the later becomes the leftmost child
    // of the earlier.
    static HeapNode* meld(HeapNode* a, HeapNode* b) {
        if (key_of(b) < key_of(a)) {
            HeapNode* t = a;
            a = b;
            b = t;
        }
        b->prev = a;
        b->next = a->child;
        if (a->child)
            a->child->prev = b;
        a->child = b;
        a->next = a->prev = nullptr;
        return a;
    }

    // The standard two-pass merge of a sibling list: meld pairs left to
    // right, then fold the pairs right to left (what makes pop amortized
    // O(log n)). Iterative: the pairs are chained through `prev`.
    static HeapNode* merge_pairs(HeapNode* first) {
        HeapNode* pairs = nullptr;
        while (first) {
            HeapNode* a = first;
            HeapNode* b = a->next;
            first = b ? b->next : nullptr;
            a->next = a->prev = nullptr;
            if (b) {
                b->next = b->prev = nullptr;
                a = meld(a, b);
            }
            a->prev = pairs;
            pairs = a;
        }
        HeapNode* root = nullptr;
        while (pairs) {
            HeapNode* a = pairs;
            pairs = a->prev;
            a->prev = nullptr;
            root = root ? meld(root, a) : a;
        }
        return root;
    }

    HeapNode* m_root = nullptr;
};

} // namespace charon
