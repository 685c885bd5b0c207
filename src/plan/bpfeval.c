/* uctr: what a compiled seccomp filter answers for one system call, found
   by running its classic BPF program over the call's seccomp_data as the
   kernel would. Used before fork, to know whether a call the init is
   about to add (the trampoline's execveat, plan/dmz.c) is allowed. */
#include "plan/seccomp.h"

#include <linux/seccomp.h>
#include <stddef.h>
#include <string.h>

#define ARGS_AT offsetof (struct seccomp_data, args)
#define DATA_LEN sizeof (struct seccomp_data)

/* The 32-bit word of DATA at OFFSET, when it is known: nr and arch are, the
   instruction pointer is not, an argument only when KNOWN has its bit. */
static gboolean
load_word (const struct seccomp_data *data, guint known_args, guint32 offset, guint32 *out)
{
  if (offset % 4 != 0 || offset + 4 > DATA_LEN)
    return FALSE;
  if (offset >= ARGS_AT && (known_args & (1u << ((offset - ARGS_AT) / 8))) == 0)
    return FALSE;
  if (offset >= offsetof (struct seccomp_data, instruction_pointer) && offset < ARGS_AT)
    return FALSE;
  memcpy (out, (const char *) data + offset, 4);
  return TRUE;
}

/* The loads that read no data: a constant, the data's length, scratch memory. */
static gboolean
load_other (guint16 code, guint32 k, const guint32 *mem, guint32 *out)
{
  switch (BPF_MODE (code))
    {
    case BPF_IMM:
      *out = k;
      return TRUE;
    case BPF_LEN:
      *out = DATA_LEN;
      return TRUE;
    case BPF_MEM:
      if (k >= BPF_MEMWORDS)
        return FALSE;
      *out = mem[k];
      return TRUE;
    default:
      return FALSE;
    }
}

static gboolean
alu (guint16 op, guint32 *a, guint32 v)
{
  switch (op)
    {
    case BPF_ADD:
      *a += v;
      return TRUE;
    case BPF_SUB:
      *a -= v;
      return TRUE;
    case BPF_MUL:
      *a *= v;
      return TRUE;
    case BPF_DIV:
      if (v == 0)
        return FALSE;
      *a /= v;
      return TRUE;
    case BPF_MOD:
      if (v == 0)
        return FALSE;
      *a %= v;
      return TRUE;
    case BPF_AND:
      *a &= v;
      return TRUE;
    case BPF_OR:
      *a |= v;
      return TRUE;
    case BPF_XOR:
      *a ^= v;
      return TRUE;
    case BPF_LSH:
      *a = v < 32 ? *a << v : 0;
      return TRUE;
    case BPF_RSH:
      *a = v < 32 ? *a >> v : 0;
      return TRUE;
    case BPF_NEG:
      *a = -*a;
      return TRUE;
    default:
      return FALSE;
    }
}

static gboolean
jump_taken (guint16 op, guint32 a, guint32 v, gboolean *taken)
{
  switch (op)
    {
    case BPF_JEQ:
      *taken = a == v;
      return TRUE;
    case BPF_JGT:
      *taken = a > v;
      return TRUE;
    case BPF_JGE:
      *taken = a >= v;
      return TRUE;
    case BPF_JSET:
      *taken = (a & v) != 0;
      return TRUE;
    default:
      return FALSE;
    }
}

gboolean
uctr_seccomp_answer (const UctrSeccomp *seccomp, const struct seccomp_data *data, guint known_args,
                     guint32 *ret)
{
  const struct sock_filter *insns = seccomp->prog.filter;
  guint32 a = 0, x = 0, mem[BPF_MEMWORDS] = { 0 };
  guint pc;

  /* Classic BPF only jumps forward: each instruction runs once at most. */
  for (pc = 0; pc < seccomp->prog.len; pc++)
    {
      const struct sock_filter *in = &insns[pc];
      guint32 k = in->k;
      gboolean taken;

      switch (BPF_CLASS (in->code))
        {
        case BPF_LD:
          if (BPF_MODE (in->code) == BPF_ABS && BPF_SIZE (in->code) == BPF_W)
            {
              if (!load_word (data, known_args, k, &a))
                return FALSE;
            }
          else if (!load_other (in->code, k, mem, &a))
            return FALSE;
          break;
        case BPF_LDX:
          if (!load_other (in->code, k, mem, &x))
            return FALSE;
          break;
        case BPF_ST:
        case BPF_STX:
          if (k >= BPF_MEMWORDS)
            return FALSE;
          mem[k] = BPF_CLASS (in->code) == BPF_ST ? a : x;
          break;
        case BPF_ALU:
          if (!alu (BPF_OP (in->code), &a, BPF_SRC (in->code) == BPF_X ? x : k))
            return FALSE;
          break;
        case BPF_JMP:
          if (BPF_OP (in->code) == BPF_JA)
            pc += k;
          else if (!jump_taken (BPF_OP (in->code), a, BPF_SRC (in->code) == BPF_X ? x : k, &taken))
            return FALSE;
          else
            pc += taken ? in->jt : in->jf;
          break;
        case BPF_RET:
          *ret = BPF_RVAL (in->code) == BPF_A ? a : k;
          return TRUE;
        case BPF_MISC:
          if (BPF_MISCOP (in->code) == BPF_TAX)
            x = a;
          else
            a = x;
          break;
        default:
          return FALSE;
        }
    }
  /* Falling off the end: the kernel refuses such a program. */
  return FALSE;
}
