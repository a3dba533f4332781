/* prior.c -- the evidence priors of the effect parameters (see prior.h, priors.def). */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <gsl/gsl_cdf.h>
#include "registry.h"
#include "prior.h"
#include "rng.h"

/* Counter entity of the prior draws: no firm or zone stream uses it. */
#define PRIOR_ENTITY 0x5052494F52ull    /* "PRIOR" */

const nb_prior nb_priors[NB_NPRIORS] = {
#define NB_PRIOR(field, kind, a, b, shift, evidence, note) \
    {NB_P_##field, kind, a, b, shift, evidence, note},
#include "priors.def"
#undef NB_PRIOR
};

const nb_prior *nb_prior_of(int param)
{
    for (int i = 0; i < NB_NPRIORS; i++)
        if (nb_priors[i].param == param) return &nb_priors[i];
    return NULL;
}

/* The distribution's CDF at x (x on the distribution's own scale, before shift). */
static double prior_cdf(const nb_prior *pr, double x)
{
    switch (pr->kind) {
    case NB_PR_LOGNORMAL: return x <= 0 ? 0.0 : gsl_cdf_lognormal_P(x, log(pr->a), pr->b);
    case NB_PR_NORMAL: return gsl_cdf_gaussian_P(x - pr->a, pr->b);
    case NB_PR_BETA: return x <= 0 ? 0.0 : x >= 1 ? 1.0 : gsl_cdf_beta_P(x, pr->a, pr->b);
    case NB_PR_UNIFORM: return x <= pr->a ? 0.0 : x >= pr->b ? 1.0 : (x - pr->a) / (pr->b - pr->a);
    }
    return 0.0;
}

/* The distribution's quantile at p in (0, 1), on its own scale. */
static double prior_pinv(const nb_prior *pr, double p)
{
    switch (pr->kind) {
    case NB_PR_LOGNORMAL: return gsl_cdf_lognormal_Pinv(p, log(pr->a), pr->b);
    case NB_PR_NORMAL: return pr->a + gsl_cdf_gaussian_Pinv(p, pr->b);
    case NB_PR_BETA: return gsl_cdf_beta_Pinv(p, pr->a, pr->b);
    case NB_PR_UNIFORM: return pr->a + p * (pr->b - pr->a);
    }
    return 0.0;
}

double nb_prior_quantile(const nb_prior *pr, double u)
{
    assert(pr && pr->param >= 0 && pr->param < NB_NPARAMS);
    const nb_param_info *pi = &nb_registry[pr->param];
    double lo = prior_cdf(pr, pi->min - pr->shift), hi = prior_cdf(pr, pi->max - pr->shift);
    assert(hi > lo);    /* the prior has mass inside the registry range (test_prior) */
    u = fmin(1.0 - 1e-12, fmax(1e-12, u));
    double p = fmin(1.0 - 1e-12, fmax(1e-12, lo + u * (hi - lo)));
    double v = pr->shift + prior_pinv(pr, p);
    return fmin(pi->max, fmax(pi->min, v));
}

char *nb_prior_describe(const nb_prior *pr, char *buf, size_t n)
{
    const char *sh = pr->shift == -1.0 ? " - 1" : "";
    switch (pr->kind) {
    case NB_PR_LOGNORMAL:
        snprintf(buf, n, "LogNormal(median %g, sd log %g)%s", pr->a, pr->b, sh); break;
    case NB_PR_NORMAL: snprintf(buf, n, "Normal(mean %g, sd %g)%s", pr->a, pr->b, sh); break;
    case NB_PR_BETA: snprintf(buf, n, "Beta(%g, %g)%s", pr->a, pr->b, sh); break;
    case NB_PR_UNIFORM: snprintf(buf, n, "Uniform(%g, %g)%s", pr->a, pr->b, sh); break;
    }
    return buf;
}

void nb_prior_draw_all(nb_paramset *ps, uint32_t seed, uint32_t rep, const unsigned char *keep)
{
    nb_key key = nb_rng_key(seed, rep);
    for (int j = 0; j < NB_NPRIORS; j++) {
        const nb_prior *pr = &nb_priors[j];
        if ((keep && keep[pr->param]) || ps->p[pr->param].n > 0) continue;
        nb_ctr w = nb_philox4x32(key, nb_rng_ctr(PRIOR_ENTITY, 0, NB_RS_PRIOR, (uint32_t)j));
        double v = nb_prior_quantile(pr, nb_u01(w.v[0]));
        if (nb_registry[pr->param].type == NB_T_INT) v = round(v);
        nb_paramset_set_const(ps, pr->param, v);
    }
}
