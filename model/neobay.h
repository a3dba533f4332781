/* neobay.h -- status codes and version shared by every module.
 *
 * Functions that can fail return an int status: NB_OK or one of the NB_E* codes.
 * The core library never prints; callers turn a status into a message.
 */
#ifndef NEOBAY_H
#define NEOBAY_H

#define NB_VERSION "0.1.0"

enum nb_status {
    NB_OK = 0,
    NB_EINVAL = 1,   /* a value out of range or of the wrong kind */
    NB_ENOMEM = 2,   /* an allocation failed; the object is unchanged */
    NB_ERANGE = 3,   /* a computation left its valid domain */
    NB_EIO = 4       /* above model/ only: a file could not be read or written */
};

/* Months are counted from year 0: month index m = 12*year + (month - 1). */
#define NB_MONTH(y, m) (12 * (y) + (m) - 1)

#endif
