/* uctr: the outbound proxy's nftables rules, built as one nfnetlink batch
   by hand (the agent runs after fork() and allocates nothing). For IPv4,
   with the default network, the table is what nft(8) would print as

     table inet uctr {
       set reached {
         type ipv4_addr . inet_service; flags dynamic,timeout; timeout 10m;
       }
       chain learn {
         type filter hook prerouting priority raw; policy accept;
         iif "tap0" meta l4proto tcp tcp flags & (syn | ack) == syn | ack
           ip saddr & 255.255.255.0 != 10.0.2.0 add @reached { ip saddr . tcp sport }
       }
       chain outbound {
         type nat hook output priority -100; policy accept;
         oif "tap0" meta l4proto tcp ip daddr . tcp dport @reached
           update @reached { ip daddr . tcp dport } counter redirect to :PORT
       }
     }

   with a second learning rule for ip saddr 10.0.2.2 under
   allow_host_loopback=true, and the same for IPv6 in "reached6".

   Why learn: the proxy's listener is in the container, so the container's
   kernel completes the handshake before the proxy can try the host. The
   first connection to a host and port therefore goes through libslirp,
   which answers the SYN only once the host has (and refuses when it
   refuses); its SYN-ACK teaches the set, and later connections there take
   the proxy. A destination that stops answering is forgotten
   (uctr_intercept_forget), so the one after goes to libslirp again. */
#include "net/inside/intercept.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/socket.h>

#include "base/afterfork.h" /* last: it poisons what comes after */

#define BATCH_SIZE 16384 /* the table takes about 3 KiB */
#define LEARN_CHAIN "learn"
#define REDIRECT_CHAIN "outbound"
#define SET4 "reached"
#define SET6 "reached6"
#define LEARN_PRIORITY (-300)    /* NF_IP_PRI_RAW: nft's "priority raw" */
#define NAT_PRIORITY (-100)      /* NF_IP_PRI_NAT_DST: nft's "priority dstnat" */
#define LEARN_TIMEOUT_MS 600000u /* a destination not used for 10 minutes is forgotten */
#define LEARN_MAX 65535          /* destinations remembered at most */
#define TCP_FLAGS_OFFSET 13

/* nft(8)'s data types, for the sets' key types; the kernel does not look. */
#define TYPE_IPADDR 7
#define TYPE_IP6ADDR 8
#define TYPE_INET_SERVICE 13
#define KEY_TYPE(addr) ((addr) << 6 | TYPE_INET_SERVICE)

typedef struct
{
  union
  {
    struct nlmsghdr align;
    char buf[BATCH_SIZE];
  };
  gsize len;
  gsize msg;         /* where the message being built starts */
  gboolean overflow; /* the batch did not fit: nothing is sent */
  guint32 seq;       /* the first message's sequence number */
  guint32 next_seq;
  guint acks; /* messages that the kernel answers */
} Batch;

static void *
batch_reserve (Batch *b, gsize len)
{
  void *p;

  if (b->overflow || b->len + NLMSG_ALIGN (len) > sizeof b->buf)
    {
      b->overflow = TRUE;
      return NULL;
    }
  p = b->buf + b->len;
  memset (p, 0, NLMSG_ALIGN (len));
  b->len += NLMSG_ALIGN (len);
  return p;
}

static void
msg_begin (Batch *b, guint16 type, guint16 flags, guint8 family)
{
  struct nlmsghdr *h;
  struct nfgenmsg *g;

  b->msg = b->len;
  h = batch_reserve (b, NLMSG_HDRLEN);
  g = batch_reserve (b, sizeof *g);
  if (h == NULL || g == NULL)
    return;
  h->nlmsg_type = type;
  h->nlmsg_flags = NLM_F_REQUEST | flags;
  h->nlmsg_seq = b->next_seq++;
  g->nfgen_family = family;
  g->version = NFNETLINK_V0;
  g->res_id = htons (type == NFNL_MSG_BATCH_BEGIN || type == NFNL_MSG_BATCH_END ? NFNL_SUBSYS_NFTABLES : 0);
  if (flags & NLM_F_ACK)
    b->acks++;
}

static void
msg_end (Batch *b)
{
  if (!b->overflow)
    ((struct nlmsghdr *) (b->buf + b->msg))->nlmsg_len = b->len - b->msg;
}

/* An nftables message: its type in the nftables subsystem, in the inet family. */
static void
nft_begin (Batch *b, guint16 type, guint16 flags)
{
  msg_begin (b, NFNL_SUBSYS_NFTABLES << 8 | type, flags | NLM_F_ACK, NFPROTO_INET);
}

static void
attr_put (Batch *b, guint16 type, const void *data, gsize len)
{
  struct nlattr *a = batch_reserve (b, NLA_HDRLEN + len);

  if (a == NULL)
    return;
  a->nla_type = type;
  a->nla_len = NLA_HDRLEN + len;
  memcpy ((char *) a + NLA_HDRLEN, data, len);
}

static void
attr_put_be32 (Batch *b, guint16 type, guint32 value)
{
  guint32 be = htonl (value);

  attr_put (b, type, &be, sizeof be);
}

static void
attr_put_str (Batch *b, guint16 type, const char *s)
{
  attr_put (b, type, s, strlen (s) + 1);
}

/* Opens a nested attribute; returns where it starts, for nest_end. */
static gsize
nest_begin (Batch *b, guint16 type)
{
  gsize at = b->len;
  struct nlattr *a = batch_reserve (b, NLA_HDRLEN);

  if (a != NULL)
    a->nla_type = type | NLA_F_NESTED;
  return at;
}

static void
nest_end (Batch *b, gsize at)
{
  if (!b->overflow)
    ((struct nlattr *) (b->buf + at))->nla_len = b->len - at;
}

static void
attr_put_data (Batch *b, guint16 type, const void *data, gsize len)
{
  gsize at = nest_begin (b, type);

  attr_put (b, NFTA_DATA_VALUE, data, len);
  nest_end (b, at);
}

/* What the rules of one IP version match on. */
typedef struct
{
  guint8 nfproto;
  guint32 saddr_offset, daddr_offset; /* in the network header */
  guint32 len;                        /* of an address */
  const void *network, *netmask, *host;
  guint16 port;     /* the proxy's listener */
  guint32 port_reg; /* where a key's port goes: the 32-bit register after the address */
  const char *set;  /* the hosts libslirp reached */
  guint32 set_id;   /* the set's id in the batch */
  guint32 key_type; /* what nft(8) prints it as */
} Family;

/* --- expressions ---------------------------------------------------------- */

typedef struct
{
  gsize elem, data;
} Expr;

static Expr
expr_begin (Batch *b, const char *name)
{
  Expr e;

  e.elem = nest_begin (b, NFTA_LIST_ELEM);
  attr_put_str (b, NFTA_EXPR_NAME, name);
  e.data = nest_begin (b, NFTA_EXPR_DATA);
  return e;
}

static void
expr_end (Batch *b, Expr e)
{
  nest_end (b, e.data);
  nest_end (b, e.elem);
}

static void
put_meta (Batch *b, guint32 key)
{
  Expr e = expr_begin (b, "meta");

  attr_put_be32 (b, NFTA_META_KEY, key);
  attr_put_be32 (b, NFTA_META_DREG, NFT_REG_1);
  expr_end (b, e);
}

static void
put_cmp (Batch *b, guint32 op, const void *data, gsize len)
{
  Expr e = expr_begin (b, "cmp");

  attr_put_be32 (b, NFTA_CMP_SREG, NFT_REG_1);
  attr_put_be32 (b, NFTA_CMP_OP, op);
  attr_put_data (b, NFTA_CMP_DATA, data, len);
  expr_end (b, e);
}

static void
put_payload (Batch *b, guint32 base, guint32 offset, guint32 len, guint32 reg)
{
  Expr e = expr_begin (b, "payload");

  attr_put_be32 (b, NFTA_PAYLOAD_DREG, reg);
  attr_put_be32 (b, NFTA_PAYLOAD_BASE, base);
  attr_put_be32 (b, NFTA_PAYLOAD_OFFSET, offset);
  attr_put_be32 (b, NFTA_PAYLOAD_LEN, len);
  expr_end (b, e);
}

static void
put_and (Batch *b, const void *mask, gsize len)
{
  static const guint8 zero[16];
  Expr e = expr_begin (b, "bitwise");

  attr_put_be32 (b, NFTA_BITWISE_SREG, NFT_REG_1);
  attr_put_be32 (b, NFTA_BITWISE_DREG, NFT_REG_1);
  attr_put_be32 (b, NFTA_BITWISE_LEN, len);
  attr_put_data (b, NFTA_BITWISE_MASK, mask, len);
  attr_put_data (b, NFTA_BITWISE_XOR, zero, len);
  expr_end (b, e);
}

/* Counts what the rule took: for nft list, and for the tests. */
static void
put_counter (Batch *b)
{
  Expr e = expr_begin (b, "counter");

  expr_end (b, e);
}

static void
put_redirect (Batch *b, guint16 port)
{
  guint16 be = htons (port);
  Expr e = expr_begin (b, "immediate");

  attr_put_be32 (b, NFTA_IMMEDIATE_DREG, NFT_REG_1);
  attr_put_data (b, NFTA_IMMEDIATE_DATA, &be, sizeof be);
  expr_end (b, e);
  e = expr_begin (b, "redir");
  attr_put_be32 (b, NFTA_REDIR_REG_PROTO_MIN, NFT_REG_1);
  attr_put_be32 (b, NFTA_REDIR_FLAGS, NF_NAT_RANGE_PROTO_SPECIFIED);
  expr_end (b, e);
}

/* Loads the address at OFFSET in the network header and the port at
   PORT_OFFSET in the TCP header into the registers of a set key. */
static void
put_key (Batch *b, const Family *f, guint32 offset, guint32 port_offset)
{
  put_payload (b, NFT_PAYLOAD_NETWORK_HEADER, offset, f->len, NFT_REG_1);
  put_payload (b, NFT_PAYLOAD_TRANSPORT_HEADER, port_offset, 2, f->port_reg);
}

static void
put_set_ref (Batch *b, guint16 name_attr, guint16 id_attr, const Family *f)
{
  attr_put_str (b, name_attr, f->set);
  attr_put_be32 (b, id_attr, f->set_id);
}

static void
put_lookup (Batch *b, const Family *f)
{
  Expr e = expr_begin (b, "lookup");

  put_set_ref (b, NFTA_LOOKUP_SET, NFTA_LOOKUP_SET_ID, f);
  attr_put_be32 (b, NFTA_LOOKUP_SREG, NFT_REG_1);
  expr_end (b, e);
}

static void
put_dynset (Batch *b, const Family *f, guint32 op)
{
  Expr e = expr_begin (b, "dynset");

  put_set_ref (b, NFTA_DYNSET_SET_NAME, NFTA_DYNSET_SET_ID, f);
  attr_put_be32 (b, NFTA_DYNSET_OP, op);
  attr_put_be32 (b, NFTA_DYNSET_SREG_KEY, NFT_REG_1);
  expr_end (b, e);
}

static gsize
rule_begin (Batch *b, const char *chain, guint32 iface_key, int tap_index, const Family *f)
{
  const guint8 tcp = IPPROTO_TCP;
  guint32 index = (guint32) tap_index;
  gsize exprs;

  nft_begin (b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);
  attr_put_str (b, NFTA_RULE_TABLE, UCTR_INTERCEPT_TABLE);
  attr_put_str (b, NFTA_RULE_CHAIN, chain);
  exprs = nest_begin (b, NFTA_RULE_EXPRESSIONS);
  put_meta (b, iface_key);
  put_cmp (b, NFT_CMP_EQ, &index, sizeof index);
  put_meta (b, NFT_META_L4PROTO);
  put_cmp (b, NFT_CMP_EQ, &tcp, sizeof tcp);
  put_meta (b, NFT_META_NFPROTO);
  put_cmp (b, NFT_CMP_EQ, &f->nfproto, sizeof f->nfproto);
  return exprs;
}

static void
rule_end (Batch *b, gsize exprs)
{
  nest_end (b, exprs);
  msg_end (b);
}

/* "iif tap0 tcp flags & (syn | ack) == syn | ack ip saddr [& MASK] OP ADDR
   add @SET { ip saddr . tcp sport }": libslirp connected to that host. */
static void
put_learn_rule (Batch *b, int tap_index, const Family *f, gboolean outside)
{
  const guint8 syn_ack = 0x12;
  gsize exprs = rule_begin (b, LEARN_CHAIN, NFT_META_IIF, tap_index, f);

  put_payload (b, NFT_PAYLOAD_TRANSPORT_HEADER, TCP_FLAGS_OFFSET, 1, NFT_REG_1);
  put_and (b, &syn_ack, 1);
  put_cmp (b, NFT_CMP_EQ, &syn_ack, 1);
  put_payload (b, NFT_PAYLOAD_NETWORK_HEADER, f->saddr_offset, f->len, NFT_REG_1);
  if (outside)
    {
      put_and (b, f->netmask, f->len);
      put_cmp (b, NFT_CMP_NEQ, f->network, f->len);
    }
  else
    put_cmp (b, NFT_CMP_EQ, f->host, f->len);
  put_key (b, f, f->saddr_offset, 0);
  put_dynset (b, f, NFT_DYNSET_OP_ADD);
  rule_end (b, exprs);
}

/* "oif tap0 ip daddr . tcp dport @SET update @SET { ip daddr . tcp dport }
   redirect to :PORT" */
static void
put_redirect_rule (Batch *b, int tap_index, const Family *f)
{
  gsize exprs = rule_begin (b, REDIRECT_CHAIN, NFT_META_OIF, tap_index, f);

  put_key (b, f, f->daddr_offset, 2);
  put_lookup (b, f);
  put_dynset (b, f, NFT_DYNSET_OP_UPDATE);
  put_counter (b);
  put_redirect (b, f->port);
  rule_end (b, exprs);
}

static void
put_table (Batch *b)
{
  nft_begin (b, NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_EXCL);
  attr_put_str (b, NFTA_TABLE_NAME, UCTR_INTERCEPT_TABLE);
  msg_end (b);
}

static void
put_set (Batch *b, const Family *f)
{
  guint64 timeout = GUINT64_TO_BE (LEARN_TIMEOUT_MS);
  gsize desc;

  nft_begin (b, NFT_MSG_NEWSET, NLM_F_CREATE);
  attr_put_str (b, NFTA_SET_TABLE, UCTR_INTERCEPT_TABLE);
  attr_put_str (b, NFTA_SET_NAME, f->set);
  attr_put_be32 (b, NFTA_SET_ID, f->set_id);
  attr_put_be32 (b, NFTA_SET_FLAGS, NFT_SET_TIMEOUT | NFT_SET_EVAL);
  attr_put_be32 (b, NFTA_SET_KEY_TYPE, f->key_type);
  attr_put_be32 (b, NFTA_SET_KEY_LEN, f->len + 4);
  attr_put (b, NFTA_SET_TIMEOUT, &timeout, sizeof timeout);
  desc = nest_begin (b, NFTA_SET_DESC);
  attr_put_be32 (b, NFTA_SET_DESC_SIZE, LEARN_MAX);
  nest_end (b, desc);
  msg_end (b);
}

static void
put_chain (Batch *b, const char *name, guint32 hook, gint32 priority, const char *type)
{
  gsize at;

  nft_begin (b, NFT_MSG_NEWCHAIN, NLM_F_CREATE);
  attr_put_str (b, NFTA_CHAIN_TABLE, UCTR_INTERCEPT_TABLE);
  attr_put_str (b, NFTA_CHAIN_NAME, name);
  at = nest_begin (b, NFTA_CHAIN_HOOK);
  attr_put_be32 (b, NFTA_HOOK_HOOKNUM, hook);
  attr_put_be32 (b, NFTA_HOOK_PRIORITY, (guint32) priority);
  nest_end (b, at);
  attr_put_be32 (b, NFTA_CHAIN_POLICY, NF_ACCEPT);
  attr_put_str (b, NFTA_CHAIN_TYPE, type);
  msg_end (b);
}

static void
families (const UctrInsideGuest *g, guint16 port, guint16 port6, Family *v4, Family *v6)
{
  *v4 = (Family){ NFPROTO_IPV4, 12,   16,           4,    &g->network, &g->netmask,
                  &g->host,     port, NFT_REG32_01, SET4, 1,           KEY_TYPE (TYPE_IPADDR) };
  *v6 = (Family){ NFPROTO_IPV6, 8,         24,   16, &g->network6,           &g->netmask6, &g->host6,
                  port6,        NFT_REG_2, SET6, 2,  KEY_TYPE (TYPE_IP6ADDR) };
}

static void
build (Batch *b, const UctrInsideGuest *g, int tap_index, guint16 port, guint16 port6, guint32 flags)
{
  const gboolean host_loopback = (flags & UCTR_INSIDE_HOST_LOOPBACK) != 0;
  Family fam[2];
  guint n = port6 != 0 && g->has6 ? 2 : 1;

  families (g, port, port6, &fam[0], &fam[1]);
  msg_begin (b, NFNL_MSG_BATCH_BEGIN, 0, AF_UNSPEC);
  msg_end (b);
  /* Exclusive: the namespace is the container's own, new, and holds no
     table of ours; deleting one in the batch would cost a grace period. */
  put_table (b);
  put_chain (b, LEARN_CHAIN, NF_INET_PRE_ROUTING, LEARN_PRIORITY, "filter");
  put_chain (b, REDIRECT_CHAIN, NF_INET_LOCAL_OUT, NAT_PRIORITY, "nat");
  for (guint i = 0; i < n; i++)
    {
      put_set (b, &fam[i]);
      put_learn_rule (b, tap_index, &fam[i], TRUE);
      if (host_loopback)
        put_learn_rule (b, tap_index, &fam[i], FALSE);
      put_redirect_rule (b, tap_index, &fam[i]);
    }
  msg_begin (b, NFNL_MSG_BATCH_END, 0, AF_UNSPEC);
  msg_end (b);
}

/* Sends the batch and reads an answer for each message that asked for
   one; the first error is the result. */
static int
talk (int nft, Batch *b)
{
  struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
  static union
  {
    struct nlmsghdr align;
    char buf[BATCH_SIZE];
  } answer;
  guint acked = 0;

  if (b->overflow)
    return ENOBUFS;
  if (TEMP_FAILURE_RETRY (sendto (nft, b->buf, b->len, 0, (struct sockaddr *) &kernel, sizeof kernel)) < 0)
    return errno;
  while (acked < b->acks)
    {
      ssize_t n = TEMP_FAILURE_RETRY (recv (nft, answer.buf, sizeof answer.buf, 0));
      int len = (int) n;
      struct nlmsghdr *h;

      if (n < 0)
        return errno;
      for (h = &answer.align; NLMSG_OK (h, len); h = NLMSG_NEXT (h, len))
        {
          int err;

          if (h->nlmsg_seq < b->seq || h->nlmsg_seq >= b->next_seq || h->nlmsg_type != NLMSG_ERROR
              || h->nlmsg_len < NLMSG_LENGTH (sizeof (struct nlmsgerr)))
            continue; /* an answer to an earlier batch */
          err = -((struct nlmsgerr *) NLMSG_DATA (h))->error;
          if (err != 0)
            return err;
          acked++;
        }
    }
  return 0;
}

static guint32 next_seq = 1;
static Batch batch;

static Batch *
batch_new (void)
{
  memset (&batch, 0, sizeof batch);
  batch.seq = batch.next_seq = next_seq;
  return &batch;
}

static int
batch_send (int nft, Batch *b)
{
  next_seq = b->next_seq;
  return talk (nft, b);
}

/* The table is not owned by NFT (NFT_TABLE_F_OWNER): its release on close
   waits for RCU grace periods, which the helper's exit, and so delete, would
   wait for too (about 50 ms here). It goes with the network namespace,
   in the kernel's own time; without the helper there is no network anyway. */
int
uctr_intercept_install (int nft, const UctrInsideGuest *guest, int tap_index, guint16 port, guint16 port6,
                        guint32 flags)
{
  Batch *b = batch_new ();

  build (b, guest, tap_index, port, port6, flags);
  return batch_send (nft, b);
}

int
uctr_intercept_forget (int nft, const UctrSockAddr *dst)
{
  Batch *b = batch_new ();
  guint8 key[20] = { 0 };
  gsize len, list, elem, at;
  int err;

  if (dst->sa.sa_family == AF_INET)
    {
      memcpy (key, &dst->in.sin_addr, 4);
      memcpy (key + 4, &dst->in.sin_port, 2);
      len = 8;
    }
  else if (dst->sa.sa_family == AF_INET6)
    {
      memcpy (key, &dst->in6.sin6_addr, 16);
      memcpy (key + 16, &dst->in6.sin6_port, 2);
      len = 20;
    }
  else
    return EAFNOSUPPORT;
  msg_begin (b, NFNL_MSG_BATCH_BEGIN, 0, AF_UNSPEC);
  msg_end (b);
  nft_begin (b, NFT_MSG_DELSETELEM, 0);
  attr_put_str (b, NFTA_SET_ELEM_LIST_TABLE, UCTR_INTERCEPT_TABLE);
  attr_put_str (b, NFTA_SET_ELEM_LIST_SET, len == 8 ? SET4 : SET6);
  list = nest_begin (b, NFTA_SET_ELEM_LIST_ELEMENTS);
  elem = nest_begin (b, NFTA_LIST_ELEM);
  at = nest_begin (b, NFTA_SET_ELEM_KEY);
  attr_put (b, NFTA_DATA_VALUE, key, len);
  nest_end (b, at);
  nest_end (b, elem);
  nest_end (b, list);
  msg_end (b);
  msg_begin (b, NFNL_MSG_BATCH_END, 0, AF_UNSPEC);
  msg_end (b);
  err = batch_send (nft, b);
  /* Gone already: timed out, or forgotten by another connection. */
  return err == ENOENT ? 0 : err;
}
