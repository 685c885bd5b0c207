/* uctr: where a detached one-line container's log is kept, and how large
   it may grow. */
#pragma once

/* In the container's state directory: the log the logger writes, and the
   one before it. Together they hold at most the log's size (writer.h). */
#define UCTR_LOG_FILE "container.log"
#define UCTR_LOG_OLD_FILE "container.log.1"

/* --log-opt max-size: the default, and the least a record always fits in
   (half of it is larger than two of the longest records, record.h). */
#define UCTR_LOG_DEFAULT_MAX_SIZE (G_GUINT64_CONSTANT (4) * 1024 * 1024)
#define UCTR_LOG_MIN_MAX_SIZE (G_GUINT64_CONSTANT (64) * 1024)
#define UCTR_LOG_MAX_MAX_SIZE (G_GUINT64_CONSTANT (1) << 40)
