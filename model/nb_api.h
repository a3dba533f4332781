/* nb_api.h -- NB_API marks the declarations libneobay exports.
 *
 * The library's objects are compiled with -fvisibility=hidden, so libneobay.so's
 * dynamic symbol table holds only what a public header declares with NB_API; the
 * model's internal functions (model.h) stay private to the library.  For a program
 * using the installed headers the attribute changes nothing.
 */
#ifndef NB_API_H
#define NB_API_H

#if defined(__GNUC__)
#define NB_API __attribute__((visibility("default")))
#else
#define NB_API
#endif

#endif
