// Random mmap/munmap/mprotect/madvise/fork/write/read/destroy over a few
// address spaces, checked page by page against a model of what each space
// should contain; then everything is destroyed and the frame and page-table
// counts must be back at their baseline. Copy-on-write bugs (a write seen
// by a fork relative, a lost write, a leaked or double-freed frame) show up
// here as a wrong byte or a wrong count.
#include "arch/x86_64/paging.h"
#include "ktest.h"
#include "mm/address_space.h"
#include "mm/frame_allocator.h"

using namespace charon;
using namespace charon::mm;

namespace {

constexpr uint64_t P = page_size;
constexpr uint64_t base = 0x30000000;
constexpr int pages = 24;
constexpr int max_spaces = 4;

struct Model {
    AddressSpace* space = nullptr;
    bool mapped[pages] = {};
    int prot[pages] = {};
    uint64_t value[pages] = {};
};

struct Random {
    uint64_t state;
    uint32_t next() {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        return static_cast<uint32_t>(state >> 33);
    }
    uint32_t below(uint32_t n) { return next() % n; }
};

bool run_fuzz(ktest::Context& ktest_context, uint64_t seed, int steps) {
    Model models[max_spaces];
    int count = 1;
    models[0].space = AddressSpace::create().value();
    Random random{seed};
    const int prots[] = {VmProtNone, VmProtRead, VmProtRead | VmProtWrite};
    bool ok = true;
    for (int step = 0; step < steps && ok; ++step) {
        Model& m = models[random.below(count)];
        int a = random.below(pages), b = random.below(pages);
        if (a > b) {
            int t = a;
            a = b;
            b = t;
        }
        ++b;
        uint64_t start = base + a * P, length = (b - a) * P;
        switch (random.below(9)) {
        case 0: { // mmap MAP_FIXED
            MmapRequest request;
            request.address = start;
            request.length = length;
            request.prot = prots[random.below(3)];
            request.flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
            ok = !m.space->mmap(request).is_error();
            for (int p = a; p < b; ++p) {
                m.mapped[p] = true;
                m.prot[p] = request.prot;
                m.value[p] = 0;
            }
            break;
        }
        case 1: // munmap
            ok = !m.space->munmap(start, length).is_error();
            for (int p = a; p < b; ++p)
                m.mapped[p] = false;
            break;
        case 2: { // mprotect
            int prot = prots[random.below(3)];
            bool all = true;
            for (int p = a; p < b; ++p)
                all = all && m.mapped[p];
            auto result = m.space->mprotect(start, length, prot);
            if (all) {
                ok = !result.is_error();
                for (int p = a; p < b; ++p)
                    m.prot[p] = prot;
            } else {
                ok = result.is_error() && result.error().code() == ENOMEM;
            }
            break;
        }
        case 3: { // madvise(MADV_DONTNEED)
            auto result = m.space->madvise(start, length, MADV_DONTNEED);
            bool all = true;
            for (int p = a; p < b; ++p) {
                all = all && m.mapped[p];
                if (m.mapped[p])
                    m.value[p] = 0;
            }
            ok = all ? !result.is_error() : (result.is_error() && result.error().code() == ENOMEM);
            break;
        }
        case 4: // fork
            if (count < max_spaces) {
                auto child = m.space->clone_for_fork();
                ok = !child.is_error();
                if (ok) {
                    models[count] = m;
                    models[count].space = child.value();
                    ++count;
                }
            }
            break;
        case 5: // destroy one (not the last)
            if (count > 1) {
                m.space->unref();
                m = models[count - 1];
                models[count - 1] = Model{};
                --count;
            }
            break;
        default: { // write or read a few words
            for (int i = 0; i < 3 && ok; ++i) {
                int p = random.below(pages);
                uint64_t address = base + p * P + 8 * random.below(512);
                bool writable = m.mapped[p] && (m.prot[p] & VmProtWrite);
                bool readable = m.mapped[p] && m.prot[p] != VmProtNone;
                if (random.below(2)) {
                    uint64_t v = (static_cast<uint64_t>(random.next()) << 32) | random.next();
                    // One value per page (the model's granularity): write it to word 0.
                    address = base + p * P;
                    auto result = m.space->write(address, &v, sizeof v);
                    ok = writable ? !result.is_error() : result.is_error();
                    if (writable)
                        m.value[p] = v;
                } else {
                    address = base + p * P;
                    uint64_t v = 0;
                    auto result = m.space->read(address, &v, sizeof v);
                    ok = readable ? (!result.is_error() && v == m.value[p]) : result.is_error();
                }
            }
            break;
        }
        }
        if (!ok)
            ktest_context.fail(__FILE__, __LINE__, "seed %lu step %d: the address space disagrees with the model",
                               seed, step);
    }
    // Every page of every space, then teardown.
    for (int s = 0; s < count; ++s) {
        for (int p = 0; p < pages && ok; ++p) {
            if (!models[s].mapped[p] || models[s].prot[p] == VmProtNone)
                continue;
            uint64_t v = 0;
            ok = !models[s].space->read(base + p * P, &v, sizeof v).is_error() && v == models[s].value[p];
            if (!ok)
                ktest_context.fail(__FILE__, __LINE__, "seed %lu: space %d page %d: %#lx, model %#lx", seed, s, p,
                                   v, models[s].value[p]);
        }
        models[s].space->unref();
    }
    return ok;
}

} // namespace

KERNEL_TEST(as_fuzz_against_a_model) {
    KASSERT(run_fuzz(ktest_context, 1, 200)); // warm-up: the heap keeps slab frames
    size_t frames = free_frame_count();
    uint64_t tables = arch::page_table_page_count();
    MmStats before = mm_stats();
    for (uint64_t seed = 2; seed < 22; ++seed)
        KASSERT(run_fuzz(ktest_context, seed, 400));
    MmStats after = mm_stats();
    KEXPECT_EQ(free_frame_count(), frames);
    KEXPECT_EQ(arch::page_table_page_count(), tables);
    KEXPECT_EQ(after.live_address_spaces, before.live_address_spaces);
    KEXPECT_EQ(after.mapped_user_pages, before.mapped_user_pages);
    KEXPECT_GT(after.cow_breaks, before.cow_breaks);
}
