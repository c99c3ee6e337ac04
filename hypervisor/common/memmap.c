/* SPDX-License-Identifier: BSD-2-Clause */
/* Memory map clean-up: firmware maps can be unsorted, overlapping and fragmented. */
#include <hv/bootinfo.h>
#include <hv/lib.h>

const char *mem_type_name(u32 type)
{
    switch (type) {
    case MEM_RAM: return "RAM";
    case MEM_RESERVED: return "reserved";
    case MEM_ACPI: return "ACPI data";
    case MEM_NVS: return "ACPI NVS";
    case MEM_UNUSABLE: return "unusable";
    default: return "unknown";
    }
}

/* Which type wins where ranges overlap: RAM loses to everything. */
static int type_rank(u32 type)
{
    switch (type) {
    case MEM_RAM: return 1;
    case MEM_ACPI: return 2;
    case MEM_NVS: return 3;
    case MEM_UNUSABLE: return 5;
    default: return 4; /* reserved, and types we do not know */
    }
}

static void sort_u64(u64 *v, unsigned int n)
{
    for (unsigned int i = 1; i < n; i++) {
        u64 x = v[i];
        unsigned int j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

unsigned int memmap_sanitize(struct mem_range *map, unsigned int n, unsigned int max)
{
    u64 points[2 * BOOT_MAX_MEMMAP];
    struct mem_range in[BOOT_MAX_MEMMAP];
    unsigned int np = 0, nin = 0, out = 0;

    /* Copy the valid ranges (non-empty, not wrapping past 2^64). */
    for (unsigned int i = 0; i < n && nin < BOOT_MAX_MEMMAP; i++) {
        u64 end = map[i].start + map[i].size;
        if (map[i].size == 0 || end < map[i].start)
            continue;
        in[nin++] = map[i];
        points[np++] = map[i].start;
        points[np++] = end;
    }
    sort_u64(points, np);

    /* Each elementary interval [points[k], points[k+1]) gets the winning type. */
    for (unsigned int k = 0; k + 1 < np; k++) {
        u64 s = points[k], e = points[k + 1];
        u32 type = 0;
        int rank = 0;

        if (s == e)
            continue;
        for (unsigned int i = 0; i < nin; i++) {
            if (in[i].start <= s && in[i].start + in[i].size >= e &&
                type_rank(in[i].type) > rank) {
                rank = type_rank(in[i].type);
                type = in[i].type;
            }
        }
        if (!type)
            continue; /* a hole */
        if (out && map[out - 1].type == type &&
            map[out - 1].start + map[out - 1].size == s) {
            map[out - 1].size += e - s;
        } else if (out < max) {
            map[out].start = s;
            map[out].size = e - s;
            map[out].type = type;
            out++;
        }
    }
    return out;
}

u64 memmap_total(const struct mem_range *map, unsigned int n, u32 type)
{
    u64 total = 0;

    for (unsigned int i = 0; i < n; i++)
        if (map[i].type == type)
            total += map[i].size;
    return total;
}
