/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The 8254 programmable interval timer and the PC's port B (see hv/i8254.h), after the
 * Intel 82C54 datasheet (order 231244): its "Mode Definitions", the GATE pin table
 * (figure 20) and the timing diagrams of figures 15 to 20.
 *
 * Implemented: the control word (modes 0-5, RW formats with their flip-flops, BCD),
 * the counter latch and read-back commands (count and status), null count, every
 * mode's counting-element sequence and OUT waveform, GATE for channel 2 through port
 * B, and the refresh toggle. The counting element is never ticked: a channel keeps
 * the pulse its count was loaded at, and the value and OUT at any pulse follow from
 * the mode's rules in closed form. Only channel 0's OUT drives anything (IRQ0); a
 * host timer is armed for its next rising edge and for nothing else.
 *
 * Choices where the datasheet leaves the behaviour open:
 *   - Reads of the counting element before a count reaches it (after the control
 *     word, or in the CLK period between a write and the load) return the value it
 *     held; the datasheet draws "N" (undefined).
 *   - A count of 1 in modes 2 and 3 is illegal (its minimum count table); here OUT
 *     stays high and the counter reads 1, which also spares the host an interrupt
 *     storm at 1.19 MHz.
 *   - Invalid BCD digits in a count are taken at their binary weight, modulo 10000.
 * Not implemented: nothing a PC wires differently (channel 1's OUT, once the DRAM
 * refresh request, is not connected; the refresh toggle is a free-running 15 us
 * clock as on chipsets since, and the speaker makes no sound).
 */
#include <hv/i8254.h>
#include <hv/lib.h>
#include <hv/time.h>

/* The control word (datasheet figure 7) and the read-back command (figure 10). */
#define CTRL_SEL(v)         ((v) >> 6)
#define CTRL_RW(v)          (((v) >> 4) & 3)
#define CTRL_MODE(v)        (((v) >> 1) & 7)
#define CTRL_BCD            0x01
#define CTRL_PROGRAM_BITS   0x3f        /* RW, M2-M0, BCD: what the status byte echoes */
#define SEL_READBACK        3
#define RB_NO_COUNT         0x20        /* clear: latch the count */
#define RB_NO_STATUS        0x10        /* clear: latch the status */
#define RB_CHANNEL(i)       (2u << (i)) /* bits 1-3 select counters 0-2 */
#define STATUS_OUT          0x80
#define STATUS_NULL_COUNT   0x40

/* Port B. */
#define PORTB_GATE2         0x01
#define PORTB_WRITABLE      0x0f        /* gate, speaker data, parity/IOCHK enables */
#define PORTB_REFRESH       0x10
#define PORTB_OUT2          0x20

/* The power-up programming: mode 3, LSB then MSB, binary (for each channel). */
#define CTRL_RESET          0x36

/* ---- time ---- */

s64 i8254_ns_to_pulse(s_time_t t)
{
    if (t <= 0)
        return 0;
    return (s64)ns_to_ticks((u64)t, I8254_HZ);
}

s_time_t i8254_pulse_to_ns(s64 p)
{
    if (p <= 0)
        return 0;
    return (s_time_t)ticks_to_ns_ceil((u64)p, I8254_HZ);
}

static s64 now_pulse(struct i8254 *pit, s_time_t *now)
{
    s_time_t t = pit->ops->now(pit->ctx);
    s64 p = i8254_ns_to_pulse(t);

    /* Time never runs back, even if two pCPUs' clocks disagree by a hair. */
    if (p < pit->last_pulse)
        p = pit->last_pulse;
    pit->last_pulse = p;
    if (now)
        *now = t;
    return p;
}

/* ---- counts ---- */

static u32 modulus(const struct i8254_channel *c)
{
    return c->bcd ? 10000 : 65536;
}

/* The count register as a number of pulses: 0 is the largest count (2^16, 10^4). */
static u32 count_of(const struct i8254_channel *c)
{
    u32 v = c->cr;

    if (c->bcd)
        v = (((v >> 12) & 0xf) * 1000 + ((v >> 8) & 0xf) * 100 + ((v >> 4) & 0xf) * 10 +
             (v & 0xf)) % 10000;
    return v ? v : modulus(c);
}

/* A counting-element value as the counter's read port shows it. */
static u16 ce_to_reg(const struct i8254_channel *c, u32 ce)
{
    if (!c->bcd)
        return ce & 0xffff;
    ce %= 10000;
    return ((ce / 1000) << 12) | (((ce / 100) % 10) << 8) | (((ce / 10) % 10) << 4) | (ce % 10);
}

/* ---- the waveforms ---- */

/*
 * The counting element and OUT k >= 0 pulses after count n was loaded, counting all
 * along (datasheet, "Mode Definitions"):
 *   modes 0, 1: CE n, n-1, ... 0 and on, wrapping; OUT low until the CE reaches 0.
 *   modes 4, 5: the same count; OUT low for the one pulse the CE is 0.
 *   mode 2: CE n, n-1, ... 1, then n again; OUT low for the pulse the CE is 1.
 *   mode 3: OUT high for ceil(n/2) pulses, low for floor(n/2). An even count loads n
 *           and steps by 2 until it expires (n, n-2, ... 2) in each half; an odd count
 *           loads n, steps by 1 then 2 in the high half (n, n-1, n-3, ... 2) and by 3
 *           then 2 in the low half (n, n-3, ... 2). low_first: the count began at a
 *           high half's end, so its first half is the low one.
 */
static void seg_eval(const struct i8254_channel *c, u32 n, bool low_first, s64 k, u32 *ce,
                     bool *out)
{
    u32 m = modulus(c), hi, j;
    s64 pos;

    switch (c->mode) {
    case 0:
    case 1:
    case 4:
    case 5:
        *ce = (u32)((n + m - (u32)(k % m)) % m);
        *out = c->mode <= 1 ? k >= n : k != n;
        return;
    default:
        break;
    }
    if (n < 2) {
        /* Illegal in modes 2 and 3 (the datasheet's minimum count is 2). */
        *ce = n;
        *out = true;
        return;
    }
    if (c->mode == 2) {
        pos = k % n;
        *ce = n - (u32)pos;
        *out = pos != n - 1;
        return;
    }
    hi = (n + 1) / 2;
    pos = (k + (low_first ? hi : 0)) % n;
    if (pos < hi) {
        j = (u32)pos;
        *out = true;
        *ce = (n & 1) && j ? n + 1 - 2 * j : n - 2 * j;
    } else {
        j = (u32)pos - hi;
        *out = false;
        *ce = (n & 1) && j ? n - 1 - 2 * j : n - 2 * j;
    }
}

/* The counting element and OUT of a channel at pulse p (no state changes). */
static void eval(const struct i8254_channel *c, s64 p, u32 *ce, bool *out)
{
    switch (c->state) {
    case I8254_RUNNING:
        if (c->has_next && p >= c->next_at) {
            seg_eval(c, c->next_n, c->next_low_first, p - c->next_at, ce, out);
            return;
        }
        if (p >= c->base) {
            seg_eval(c, c->n, c->low_first, p - c->base, ce, out);
            return;
        }
        break;
    case I8254_PAUSED:
        if (c->mode == 2 || c->mode == 3) {
            /* GATE low stops the count and sets OUT high at once. */
            *ce = c->held;
            *out = true;
            return;
        }
        if (c->paused_k >= 0) {
            seg_eval(c, c->n, false, c->paused_k, ce, out);
            return;
        }
        break;
    default:
        break;
    }
    *ce = c->held;
    *out = c->out_held;
}

static bool out_at(const struct i8254_channel *c, s64 p)
{
    u32 ce;
    bool out;

    eval(c, p, &ce, &out);
    return out;
}

/* The first pulse after p at which OUT rises, for count n loaded at `base` and left
 * alone (out_held: OUT before base). */
static s64 seg_next_rise(const struct i8254_channel *c, s64 base, u32 n, bool low_first,
                         bool out_held, s64 p)
{
    s64 first, period = 0;

    switch (c->mode) {
    case 0:
    case 1:
        first = base + n;                   /* terminal count */
        break;
    case 4:
    case 5:
        if (p < base && !out_held)
            return base;                    /* retriggered during the strobe */
        first = base + n + 1;               /* the pulse after the strobe */
        break;
    default:
        if (n < 2)
            return I8254_NEVER;
        period = n;                         /* the reload that ends each cycle */
        first = low_first ? base + n / 2 : base + n;
        break;
    }
    if (p < first)
        return first;
    if (!period)
        return I8254_NEVER;
    return first + ((p - first) / period + 1) * period;
}

/* The first pulse after p at which the channel's OUT rises, as things stand. */
static s64 next_rise(const struct i8254_channel *c, s64 p)
{
    s64 e;

    if (c->state != I8254_RUNNING)
        return I8254_NEVER;
    if (c->has_next && p >= c->next_at)
        return seg_next_rise(c, c->next_at, c->next_n, c->next_low_first, true, p);
    e = seg_next_rise(c, c->base, c->n, c->low_first, c->out_held, p);
    /* The current count's edges run up to the reload that starts the next count
     * (inclusive: a low half or cycle ending there rises there). */
    if (c->has_next && e > c->next_at)
        e = seg_next_rise(c, c->next_at, c->next_n, c->next_low_first, true, c->next_at);
    return e;
}

/* Make a pending count (modes 2 and 3) current once its reload has happened. */
static void settle(struct i8254_channel *c, s64 p)
{
    if (c->state != I8254_RUNNING || !c->has_next || p < c->next_at)
        return;
    c->base = c->next_at;
    c->n = c->next_n;
    c->low_first = c->next_low_first;
    c->out_held = true;
    c->has_next = false;
}

/*
 * Modes 2 and 3, counting at pulse p: where the current cycle (mode 2) or half-cycle
 * (mode 3) ends, which is where a count written now is loaded; *low_first says the
 * new count then starts with its low half.
 */
static s64 cycle_end(const struct i8254_channel *c, s64 p, bool *low_first)
{
    u32 n = c->n, hi = (n + 1) / 2;
    s64 shift, v, start;

    *low_first = false;
    if (n < 2)
        return p + 1;
    if (c->mode == 2)
        return c->base + ((p - c->base) / n + 1) * n;
    shift = c->low_first ? hi : 0;
    v = p - c->base + shift;
    start = c->base - shift + (v / n) * n;  /* where the current high half began */
    if (v % n < hi) {
        *low_first = true;
        return start + hi;
    }
    return start + n;
}

/* ---- the channel's inputs ---- */

/* A control word for this channel: control logic reset, OUT to its initial state. */
static void program(struct i8254_channel *c, u8 ctrl, s64 p)
{
    u32 ce;
    bool out;

    eval(c, p, &ce, &out);
    c->ctrl = ctrl & CTRL_PROGRAM_BITS;
    c->rw = CTRL_RW(ctrl);
    c->mode = CTRL_MODE(ctrl) > 5 ? CTRL_MODE(ctrl) - 4 : CTRL_MODE(ctrl);
    c->bcd = ctrl & CTRL_BCD;
    c->write_msb = c->read_msb = false;
    c->count_latched = c->status_latched = false;
    c->cr_valid = false;
    c->has_next = false;
    c->state = I8254_IDLE;
    c->held = ce;
    c->out_held = c->mode != 0;     /* low in mode 0, high in every other mode */
    c->null_until = I8254_NEVER;
}

/* A whole count was written to the count register at pulse p. */
static void count_written(struct i8254_channel *c, s64 p)
{
    u32 n = count_of(c), ce;
    bool out;

    c->cr_valid = true;
    eval(c, p, &ce, &out);
    switch (c->mode) {
    case 0:
    case 4:
        /* Loaded on the next CLK pulse, which does not count: OUT changes N+1 pulses
         * after the write. GATE low holds the count (loaded, not counting). */
        c->held = ce;
        c->out_held = c->mode == 4 && out;
        c->n = n;
        c->load_at = c->null_until = p + 1;
        if (c->gate) {
            c->state = I8254_RUNNING;
            c->base = p + 1;
        } else {
            c->state = I8254_PAUSED;
            c->paused_k = 0;
        }
        break;
    case 1:
    case 5:
        /* Loaded by the next trigger; the current one-shot runs on unchanged. */
        c->null_until = I8254_NEVER;
        break;
    default:
        if (c->state == I8254_RUNNING && p >= c->base) {
            /* Counting: this count waits for the end of the (half-)cycle. */
            c->next_n = n;
            c->next_at = cycle_end(c, p, &c->next_low_first);
            c->has_next = true;
            c->null_until = c->next_at;
        } else if (c->state == I8254_RUNNING) {
            c->n = n;                       /* not loaded yet: the newest count goes */
        } else if (c->state == I8254_PAUSED) {
            c->null_until = I8254_NEVER;    /* the GATE's rising edge loads it */
        } else if (c->gate) {
            c->held = ce;
            c->out_held = true;
            c->state = I8254_RUNNING;
            c->base = c->null_until = p + 1;
            c->n = n;
            c->low_first = false;
        } else {
            c->state = I8254_PAUSED;
            c->held = n;
            c->null_until = p + 1;
        }
        break;
    }
}

/* GATE rose or fell at pulse p (figure 20: low/rising/high for each mode). */
static void set_gate(struct i8254_channel *c, bool gate, s64 p)
{
    u32 ce;
    bool out;

    if (gate == c->gate)
        return;
    eval(c, p, &ce, &out);
    c->gate = gate;
    switch (c->mode) {
    case 0:
    case 4:
        /* Low disables counting, high enables it; OUT is not affected. */
        if (!gate && c->state == I8254_RUNNING) {
            c->state = I8254_PAUSED;
            c->paused_k = p - c->base;
        } else if (gate && c->state == I8254_PAUSED) {
            c->state = I8254_RUNNING;
            c->base = max(p - c->paused_k, c->load_at);
        }
        break;
    case 1:
    case 5:
        /* The rising edge triggers (again): the count is loaded on the next pulse. */
        if (gate && c->cr_valid) {
            c->held = ce;
            c->out_held = out;
            c->n = count_of(c);
            c->base = p + 1;
            c->state = I8254_RUNNING;
            c->null_until = min(c->null_until, p + 1);
        }
        break;
    default:
        /* Low stops counting with OUT high; the rising edge reloads the count. */
        if (!gate) {
            if (c->state == I8254_RUNNING) {
                c->held = ce;
                c->state = I8254_PAUSED;
                c->has_next = false;
            }
        } else if (c->cr_valid) {
            c->held = ce;
            c->out_held = true;
            c->state = I8254_RUNNING;
            c->base = p + 1;
            c->n = count_of(c);
            c->low_first = false;
            c->has_next = false;
            c->null_until = min(c->null_until, p + 1);
        }
        break;
    }
}

/* ---- latches and the data ports ---- */

static void latch_count(struct i8254_channel *c, s64 p)
{
    u32 ce;
    bool out;

    /* A second latch before the first is read is ignored. */
    if (c->count_latched)
        return;
    eval(c, p, &ce, &out);
    c->ol = ce_to_reg(c, ce);
    c->count_latched = true;
}

static void latch_status(struct i8254_channel *c, s64 p)
{
    if (c->status_latched)
        return;
    c->status = (out_at(c, p) ? STATUS_OUT : 0) | (p < c->null_until ? STATUS_NULL_COUNT : 0) |
                c->ctrl;
    c->status_latched = true;
}

static void write_control(struct i8254 *pit, u8 val, s64 p)
{
    struct i8254_channel *c;

    if (CTRL_SEL(val) == SEL_READBACK) {
        for (unsigned int i = 0; i < I8254_CHANNELS; i++) {
            if (!(val & RB_CHANNEL(i)))
                continue;
            if (!(val & RB_NO_COUNT))
                latch_count(&pit->ch[i], p);
            if (!(val & RB_NO_STATUS))
                latch_status(&pit->ch[i], p);
        }
        return;
    }
    c = &pit->ch[CTRL_SEL(val)];
    if (CTRL_RW(val) == I8254_RW_LATCH)
        latch_count(c, p);
    else
        program(c, val, p);
}

static u8 read_counter(struct i8254_channel *c, s64 p)
{
    u16 v;
    u8 byte;
    u32 ce;
    bool out, last = true;

    /* Latched status first, whichever was latched first; then the latched count. */
    if (c->status_latched) {
        c->status_latched = false;
        return c->status;
    }
    if (c->count_latched) {
        v = c->ol;
    } else {
        eval(c, p, &ce, &out);
        v = ce_to_reg(c, ce);
    }
    switch (c->rw) {
    case I8254_RW_LSB:
        byte = v & 0xff;
        break;
    case I8254_RW_MSB:
        byte = v >> 8;
        break;
    default:
        byte = c->read_msb ? v >> 8 : v & 0xff;
        last = c->read_msb;
        c->read_msb = !c->read_msb;
        break;
    }
    if (last)
        c->count_latched = false;   /* the latch holds until it has been read whole */
    return byte;
}

static void write_counter(struct i8254_channel *c, u8 val, s64 p)
{
    u32 ce;
    bool out;

    switch (c->rw) {
    case I8254_RW_LSB:
        c->cr = val;
        break;
    case I8254_RW_MSB:
        c->cr = (u16)val << 8;
        break;
    default:
        if (!c->write_msb) {
            c->cr_lsb = val;
            c->write_msb = true;
            if (c->mode == 0) {
                /* Mode 0: the first byte stops counting and sets OUT low at once. */
                eval(c, p, &ce, &out);
                c->held = ce;
                c->out_held = false;
                c->state = I8254_IDLE;
            }
            return;
        }
        c->cr = c->cr_lsb | (u16)val << 8;
        c->write_msb = false;
        break;
    }
    count_written(c, p);
}

/* ---- IRQ0 and the host timer ---- */

/*
 * Bring IRQ0 up to pulse p. The line follows channel 0's OUT at the moments the chip
 * looks; rising edges in between (OUT in mode 2 is low for a single pulse) become one
 * pulse of the line. When several periods went by unseen (the vCPU's pCPU was busy,
 * or the host timer ran late), ONE interrupt is delivered and counting moves on to the
 * next period in the future: missed ticks are not queued up (the local APIC timer's
 * "no_missed_ticks_pending" policy, common/hvm/vlapic.c).
 * Then the host timer is set for the next rising edge.
 */
static void update_irq0(struct i8254 *pit, s64 p)
{
    const struct i8254_channel *c = &pit->ch[0];
    bool out = out_at(c, p);
    s64 e;
    s_time_t deadline;

    if (next_rise(c, pit->irq_checked) <= p) {
        if (pit->irq_level)
            pit->ops->irq0(pit->ctx, false);
        pit->ops->irq0(pit->ctx, true);
        pit->irq_level = true;
    }
    if (out != pit->irq_level) {
        pit->irq_level = out;
        pit->ops->irq0(pit->ctx, out);
    }
    pit->irq_checked = p;
    e = next_rise(c, p);
    deadline = e == I8254_NEVER ? 0 : i8254_pulse_to_ns(e);
    if (deadline != pit->deadline) {
        pit->deadline = deadline;
        pit->ops->set_timer(pit->ctx, deadline);
    }
}

/* Before an access: what happened up to now, under the old programming. */
static s64 begin(struct i8254 *pit, s_time_t *now)
{
    s64 p = now_pulse(pit, now);

    update_irq0(pit, p);
    for (unsigned int i = 0; i < I8254_CHANNELS; i++)
        settle(&pit->ch[i], p);
    return p;
}

void i8254_timer_expired(struct i8254 *pit)
{
    pit->deadline = 0;              /* it is not armed any more */
    begin(pit, NULL);
}

/* ---- ports ---- */

u8 i8254_read(struct i8254 *pit, u16 port)
{
    s_time_t now;
    s64 p;
    u8 val;

    if (port != I8254_PORT_B && (port < I8254_PORT_BASE || port >= I8254_PORT_CONTROL))
        return 0xff;                /* the control word register cannot be read */
    p = begin(pit, &now);
    if (port == I8254_PORT_B) {
        val = pit->port_b | (out_at(&pit->ch[2], p) ? PORTB_OUT2 : 0) |
              ((now / I8254_REFRESH_NS) & 1 ? PORTB_REFRESH : 0);
    } else {
        val = read_counter(&pit->ch[port - I8254_PORT_BASE], p);
    }
    update_irq0(pit, p);
    return val;
}

void i8254_write(struct i8254 *pit, u16 port, u8 val)
{
    s64 p;

    if (port != I8254_PORT_B && (port < I8254_PORT_BASE || port > I8254_PORT_CONTROL))
        return;
    p = begin(pit, NULL);
    if (port == I8254_PORT_B) {
        pit->port_b = val & PORTB_WRITABLE;
        set_gate(&pit->ch[2], val & PORTB_GATE2, p);
    } else if (port == I8254_PORT_CONTROL) {
        write_control(pit, val, p);
    } else {
        write_counter(&pit->ch[port - I8254_PORT_BASE], val, p);
    }
    update_irq0(pit, p);
}

void i8254_init(struct i8254 *pit, const struct i8254_ops *ops, void *ctx)
{
    memset(pit, 0, sizeof(*pit));
    pit->ops = ops;
    pit->ctx = ctx;
    for (unsigned int i = 0; i < I8254_CHANNELS; i++) {
        program(&pit->ch[i], CTRL_RESET, 0);
        pit->ch[i].gate = i != 2;   /* channels 0 and 1: tied high; 2: port B bit 0 */
    }
    /* IRQ0 is taken to be at OUT0's level from power-up: no edge at reset. */
    pit->irq_level = out_at(&pit->ch[0], 0);
}
