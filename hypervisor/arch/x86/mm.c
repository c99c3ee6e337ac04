/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Host memory setup and page tables.
 *
 * mm_init() runs on the boot CPU while the early page tables of head.asm are live
 * (0-4 GiB mapped at 0 and at the direct map). It:
 *   1. lists the free RAM: the memory map's RAM above 1 MiB minus the image and the
 *      boot modules, and starts a boot allocator on it (pages below 4 GiB only, the
 *      part the early direct map reaches);
 *   2. builds the final page tables: the image in 4 KiB pages with W^X (text RX,
 *      rodata RO, data and bss RW+NX, the boot stack's guard page left out), and the
 *      direct map of all RAM with 1 GiB or 2 MiB pages, RW+NX; then loads them. The
 *      low identity map and the .boot section are gone from then on;
 *   3. maps the frame table (one page_info per frame) for every RAM range;
 *   4. hands what the boot allocator did not use to the buddy allocator.
 */
#include <hv/bootinfo.h>
#include <hv/console.h>
#include <hv/errno.h>
#include <hv/keyhandler.h>
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/panic.h>
#include <hv/smp.h>
#include <hv/spinlock.h>
#include <asm/mm.h>
#include <asm/processor.h>

extern char __image_start_phys[], __image_end_phys[];
extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __ro_after_init_end[], __bss_end[], __bsp_stack_guard[];

u64 pte_nx_mask __ro_after_init;
bool cpu_has_1g_pages __ro_after_init;

static u64 *root_table;      /* the hypervisor's PML4 */
static bool buddy_ready;

/* ---- the boot allocator: free physical ranges, allocated from the top ---- */

#define BOOT_MAX_FREE 128
static struct {
    paddr_t start, end;
} boot_free[BOOT_MAX_FREE];
static unsigned int nr_boot_free;
static u64 boot_pages_used;

static void boot_free_add(paddr_t start, paddr_t end)
{
    start = ALIGN_UP(start, PAGE_SIZE);
    end = ALIGN_DOWN(end, PAGE_SIZE);
    if (start >= end)
        return;
    if (nr_boot_free == BOOT_MAX_FREE) {
        printk(LOG_WARN "mm: too many free ranges; %#llx-%#llx not used\n",
               (unsigned long long)start, (unsigned long long)end);
        return;
    }
    boot_free[nr_boot_free].start = start;
    boot_free[nr_boot_free].end = end;
    nr_boot_free++;
}

/* Take [start, end) out of the free ranges, splitting one where needed. */
static void boot_free_remove(paddr_t start, paddr_t end)
{
    start = ALIGN_DOWN(start, PAGE_SIZE);
    end = ALIGN_UP(end, PAGE_SIZE);
    for (unsigned int i = 0; i < nr_boot_free; i++) {
        paddr_t s = boot_free[i].start, e = boot_free[i].end;

        if (end <= s || start >= e)
            continue;
        if (start > s && end < e) {
            boot_free[i].end = start;
            boot_free_add(end, e);
        } else if (start > s) {
            boot_free[i].end = start;
        } else if (end < e) {
            boot_free[i].start = end;
        } else {
            boot_free[i] = boot_free[--nr_boot_free];
            i--;
        }
    }
}

paddr_t boot_alloc_pages(unsigned long nr, paddr_t limit)
{
    paddr_t size = (paddr_t)nr << PAGE_SHIFT;
    int best = -1;
    paddr_t best_at = 0;

    /* The highest fit below the limit, so low memory stays for whoever needs it. */
    for (unsigned int i = 0; i < nr_boot_free; i++) {
        paddr_t top = min(boot_free[i].end, limit);
        if (top < boot_free[i].start + size)
            continue;
        if (best < 0 || top - size > best_at) {
            best = i;
            best_at = top - size;
        }
    }
    if (best < 0)
        return 0;
    boot_free_remove(best_at, best_at + size);
    boot_pages_used += nr;
    return best_at;
}

/* ---- page tables ---- */

#define PT_ENTRIES 512
#define LEVEL_SHIFT(l) (PAGE_SHIFT + 9 * ((l) - 1))  /* level 1 = PT ... 4 = PML4 */
#define PT_INDEX(va, l) (((va) >> LEVEL_SHIFT(l)) & (PT_ENTRIES - 1))

static u64 *pgt_alloc(void)
{
    paddr_t pa;
    u64 *t;

    if (buddy_ready) {
        struct page_info *pg = alloc_pages(0);
        if (!pg)
            return NULL;
        pa = (paddr_t)page_to_mfn(pg) << PAGE_SHIFT;
    } else {
        pa = boot_alloc_pages(1, GiB(4));
        if (!pa)
            return NULL;
    }
    t = __va(pa);
    memset(t, 0, PAGE_SIZE);
    return t;
}

/* Flags for an intermediate entry: everything allowed; leaves restrict. */
#define TABLE_FLAGS (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED)

/* Replace a large leaf at `level` with a table of equivalent smaller entries. */
static int split_large(u64 *entry, unsigned int level)
{
    u64 *t = pgt_alloc();
    u64 old = *entry, flags = old & ~PTE_ADDR_MASK;
    paddr_t base = old & PTE_ADDR_MASK & ~((1ULL << LEVEL_SHIFT(level)) - 1);

    if (!t)
        return -ENOMEM;
    if (level - 1 == 1)
        flags &= ~_PAGE_PSE; /* bit 7 of a 4 KiB PTE is PAT, not PS */
    for (unsigned int i = 0; i < PT_ENTRIES; i++)
        t[i] = (base + ((paddr_t)i << LEVEL_SHIFT(level - 1))) | flags;
    *entry = __pa(t) | TABLE_FLAGS;
    return 0;
}

/* The entry for `va` at `level`, creating tables on the way; NULL on -ENOMEM. */
static u64 *walk_create(unsigned long va, unsigned int level)
{
    u64 *table = root_table;

    for (unsigned int l = 4; l > level; l--) {
        u64 *e = &table[PT_INDEX(va, l)];
        if (!(*e & _PAGE_PRESENT)) {
            u64 *t = pgt_alloc();
            if (!t)
                return NULL;
            *e = __pa(t) | TABLE_FLAGS;
        } else if (*e & _PAGE_PSE) {
            if (split_large(e, l))
                return NULL;
        }
        table = __va(*e & PTE_ADDR_MASK);
    }
    return &table[PT_INDEX(va, level)];
}

static u64 leaf_flags(u64 flags, unsigned int level)
{
    flags &= ~MAP_LARGE;
    if (!pte_nx_mask)
        flags &= ~_PAGE_NX;
    return level > 1 ? flags | _PAGE_PSE : flags;
}

int map_pages(unsigned long va, paddr_t pa, unsigned long nr, u64 flags)
{
    while (nr) {
        unsigned int level = 1;
        u64 *e;

        if (flags & MAP_LARGE) {
            for (unsigned int l = cpu_has_1g_pages ? 3 : 2; l > 1; l--) {
                unsigned long span = 1UL << (LEVEL_SHIFT(l) - PAGE_SHIFT);
                if (IS_ALIGNED(va | pa, 1UL << LEVEL_SHIFT(l)) && nr >= span) {
                    level = l;
                    break;
                }
            }
        }
        e = walk_create(va, level);
        if (!e)
            return -ENOMEM;
        *e = pa | leaf_flags(flags, level);
        va += 1UL << LEVEL_SHIFT(level);
        pa += 1UL << LEVEL_SHIFT(level);
        nr -= 1UL << (LEVEL_SHIFT(level) - PAGE_SHIFT);
    }
    return 0;
}

static void flush_tlb_ipi(void *unused)
{
    flush_tlb_all_local();
}

void unmap_pages(unsigned long va, unsigned long nr)
{
    for (; nr; nr--, va += PAGE_SIZE) {
        u64 *e = walk_create(va, 1);
        if (e)
            *e = 0;
    }
    flush_tlb_all_local();
    if (num_online_cpus() > 1)
        smp_call_function(flush_tlb_ipi, NULL);
}

paddr_t virt_to_phys_walk(unsigned long va)
{
    u64 *table = root_table;

    for (unsigned int l = 4; l >= 1; l--) {
        u64 e = table[PT_INDEX(va, l)];
        if (!(e & _PAGE_PRESENT))
            return INVALID_PADDR;
        if (l == 1 || (e & _PAGE_PSE)) {
            u64 mask = (1ULL << LEVEL_SHIFT(l)) - 1;
            return ((e & PTE_ADDR_MASK) & ~mask) | (va & mask);
        }
        table = __va(e & PTE_ADDR_MASK);
    }
    return INVALID_PADDR;
}

void flush_tlb_all_local(void)
{
    u64 cr4 = read_cr4();

    /* Toggling CR4.PGE flushes global entries too (Intel SDM vol. 3, 4.10.4.1). */
    if (cr4 & (1UL << 7)) {
        write_cr4(cr4 & ~(1UL << 7));
        write_cr4(cr4);
    } else {
        write_cr3(read_cr3());
    }
}

paddr_t mm_root_pa(void)
{
    return __pa(root_table);
}

/* ---- the image and the direct map ---- */

static void map_image(const char *start, const char *end, u64 flags)
{
    unsigned long va = (unsigned long)start;

    if (map_pages(va, __pa(start), (end - start) >> PAGE_SHIFT, flags | _PAGE_GLOBAL))
        panic("mm: out of memory while mapping the hypervisor image");
}

static void build_page_tables(void)
{
    root_table = pgt_alloc();
    if (!root_table)
        panic("mm: no memory below 4 GiB for page tables");

    map_image(__text_start, __text_end, PAGE_HYPERVISOR_RX);
    map_image(__rodata_start, __rodata_end, PAGE_HYPERVISOR_RO);
    map_image(__data_start, __bsp_stack_guard, PAGE_HYPERVISOR_RW);
    /* The page at __bsp_stack_guard stays unmapped: an overflow of the boot stack
     * faults instead of silently corrupting .data. */
    map_image(__bsp_stack_guard + PAGE_SIZE, __bss_end, PAGE_HYPERVISOR_RW);

    for (unsigned int i = 0; i < boot_info.nr_memmap; i++) {
        const struct mem_range *r = &boot_info.memmap[i];
        paddr_t s = ALIGN_UP(r->start, PAGE_SIZE);
        paddr_t e = ALIGN_DOWN(r->start + r->size, PAGE_SIZE);

        if (r->type != MEM_RAM || s >= e)
            continue;
        if (e > DIRECTMAP_SIZE) {
            printk(LOG_WARN "mm: RAM above %llu TiB is not used\n",
                   (unsigned long long)(DIRECTMAP_SIZE >> 40));
            e = DIRECTMAP_SIZE;
        }
        if (map_pages((unsigned long)__va(s), s, (e - s) >> PAGE_SHIFT,
                      PAGE_HYPERVISOR_RW | MAP_LARGE))
            panic("mm: out of memory while building the direct map");
    }
    write_cr3(__pa(root_table));
}

/* ---- the frame table ---- */

static void map_frame_table(void)
{
    for (unsigned int i = 0; i < boot_info.nr_memmap; i++) {
        const struct mem_range *r = &boot_info.memmap[i];
        mfn_t s = r->start >> PAGE_SHIFT;
        mfn_t e = (r->start + r->size) >> PAGE_SHIFT;
        unsigned long va, va_end;

        if (r->type != MEM_RAM || s >= e)
            continue;
        va = ALIGN_DOWN((unsigned long)mfn_to_page(s), PAGE_SIZE);
        va_end = ALIGN_UP((unsigned long)mfn_to_page(e), PAGE_SIZE);
        for (; va < va_end; va += PAGE_SIZE) {
            paddr_t pa;
            if (virt_to_phys_walk(va) != INVALID_PADDR)
                continue; /* shared with the previous range */
            pa = boot_alloc_pages(1, ~0ULL);
            if (!pa || map_pages(va, pa, 1, PAGE_HYPERVISOR_RW))
                panic("mm: out of memory for the frame table");
            memset((void *)va, 0, PAGE_SIZE);
        }
    }
}

void mm_init(void)
{
    u64 total = 0;

    for (unsigned int i = 0; i < boot_info.nr_memmap; i++) {
        const struct mem_range *r = &boot_info.memmap[i];
        if (r->type != MEM_RAM)
            continue;
        total += r->size;
        boot_free_add(max(r->start, MiB(1)), r->start + r->size);
    }
    boot_free_remove((paddr_t)__image_start_phys, (paddr_t)__image_end_phys);
    for (unsigned int i = 0; i < boot_info.nr_modules; i++)
        boot_free_remove(boot_info.modules[i].start,
                         boot_info.modules[i].start + boot_info.modules[i].size);

    build_page_tables();
    map_frame_table();

    for (unsigned int i = 0; i < nr_boot_free; i++)
        page_alloc_add_range(boot_free[i].start >> PAGE_SHIFT,
                             boot_free[i].end >> PAGE_SHIFT);
    nr_boot_free = 0;
    buddy_ready = true;

    printk("mm: %llu MiB of RAM; %llu KiB for page tables and the frame table\n",
           (unsigned long long)(total >> 20), (unsigned long long)(boot_pages_used * 4));
}

void mm_seal_ro_after_init(void)
{
    unsigned long nr = (__ro_after_init_end - __data_start) >> PAGE_SHIFT;

    if (map_pages((unsigned long)__data_start, __pa(__data_start), nr,
                  PAGE_HYPERVISOR_RO | _PAGE_GLOBAL))
        panic("mm: cannot make .data.ro_after_init read-only");
    flush_tlb_all_local();
    if (num_online_cpus() > 1)
        smp_call_function(flush_tlb_ipi, NULL);
}

/* ---- the vmap area ---- */

static DEFINE_SPINLOCK(vmap_lock);
static unsigned long vmap_next = VMAP_BASE;

/* Reserve address space (never reused: the area is 512 GiB). */
static unsigned long vmap_reserve(unsigned long nr)
{
    unsigned long flags = spin_lock_irqsave(&vmap_lock), va = 0;

    if (vmap_next + (nr << PAGE_SHIFT) <= VMAP_BASE + VMAP_SIZE) {
        va = vmap_next;
        vmap_next += nr << PAGE_SHIFT;
    }
    spin_unlock_irqrestore(&vmap_lock, flags);
    return va;
}

void *vmap_phys(paddr_t pa, size_t size, u64 flags)
{
    paddr_t base = ALIGN_DOWN(pa, PAGE_SIZE);
    unsigned long nr = (ALIGN_UP(pa + size, PAGE_SIZE) - base) >> PAGE_SHIFT;
    unsigned long va = vmap_reserve(nr);

    if (!va || map_pages(va, base, nr, flags))
        return NULL;
    return (void *)(va + (pa - base));
}

void *alloc_guarded_stack(size_t size)
{
    unsigned long nr = size >> PAGE_SHIFT;
    unsigned long va = vmap_reserve(nr + 1); /* +1: the guard page, left unmapped */

    if (!va)
        return NULL;
    va += PAGE_SIZE;
    for (unsigned long i = 0; i < nr; i++) {
        struct page_info *pg = alloc_pages(0);
        if (!pg || map_pages(va + i * PAGE_SIZE, (paddr_t)page_to_mfn(pg) << PAGE_SHIFT, 1,
                             PAGE_HYPERVISOR_RW))
            return NULL;
    }
    return (void *)va;
}

/* ---- the 'm' key ---- */

static void dump_memory(unsigned char key)
{
    struct page_alloc_stats st;
    struct xmalloc_stats xs;

    page_alloc_get_stats(&st);
    xmalloc_get_stats(&xs);
    printk("Memory map (from the boot loader):\n");
    for (unsigned int i = 0; i < boot_info.nr_memmap; i++) {
        const struct mem_range *r = &boot_info.memmap[i];
        printk("  %016llx-%016llx %s\n", (unsigned long long)r->start,
               (unsigned long long)(r->start + r->size), mem_type_name(r->type));
    }
    printk("Page allocator: %llu MiB managed, %llu MiB free\n",
           (unsigned long long)(st.total_pages >> 8), (unsigned long long)(st.free_pages >> 8));
    printk("Free blocks by order:");
    for (unsigned int o = 0; o <= MAX_ORDER; o++)
        if (st.free_blocks[o])
            printk(" %u:%llu", o, (unsigned long long)st.free_blocks[o]);
    printk("\n");
    printk("Heap: %llu objects in %llu slab pages; %llu pages in large allocations\n",
           (unsigned long long)xs.objects, (unsigned long long)xs.slab_pages,
           (unsigned long long)xs.large_pages);
}
KEYHANDLER('m', dump_memory, "show the memory map and allocator state");
