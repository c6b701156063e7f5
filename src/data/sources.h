/* Internal interface of the data module: one reader per source, the
 * preprocessing steps, and the helpers the readers share.
 *
 * Everything here is rank-local: it runs on one rank (rank 0 inside
 * CvxRootRun() when called from CvxDatasetLoad) and raises its errors on
 * PETSC_COMM_SELF. A reader fills ds with the raw data: n, d = d_raw, X, y,
 * n_test, Xtest, ytest, classification and description; has_bias is false.
 * The caller has checked that data.n_train and data.n_test are not negative.
 * On failure ds may hold partial arrays: the caller frees them with
 * CvxDatasetDestroy(). Every array is allocated with PetscMalloc.
 */
#ifndef CVXNN_DATA_SOURCES_H
#define CVXNN_DATA_SOURCES_H

#include "data/data.h"

#include <stddef.h>

/* Synthetic data of the study: x ~ N(0, I_dim), labels by data.rule.
 * Sample i of the training set comes from the stream (seed,
 * CVX_STREAM_DATA_TRAIN, i, 0), test sample i from (seed,
 * CVX_STREAM_DATA_TEST, i, 0); seed = data.seed, or run.seed when 0. */
PetscErrorCode CvxDatasetReadSynthetic(const CvxConfig *cfg, CvxDataset *ds);

/* Comma-separated numeric file data.path (and data.test_path when set). */
PetscErrorCode CvxDatasetReadCsv(const CvxConfig *cfg, CvxDataset *ds);

/* CIFAR-10 binary batches in the folder data.path, two classes. */
PetscErrorCode CvxDatasetReadCifar10(const CvxConfig *cfg, CvxDataset *ds);

/* MNIST-style IDX files (plain or .gz) in the folder data.path, two classes. */
PetscErrorCode CvxDatasetReadIdx(const CvxConfig *cfg, CvxDataset *ds);

/* Preprocesses raw data in place, in this order: pixels / 255 (when pixels
 * and data.scale_pixels), standardization with the training mean and
 * (population) standard deviation of each feature (data.standardize; a
 * constant feature is only centred), a column of ones (data.bias). */
PetscErrorCode CvxDatasetPreprocess(const CvxConfig *cfg, PetscBool pixels, CvxDataset *ds);

/* Raises CVX_ERR_DATA, naming what (the file or folder) and the entry, when
 * X, y, Xtest or ytest holds a NaN or an infinity. */
PetscErrorCode CvxDatasetCheckFinite(const CvxDataset *ds, const char *what);

/* Allocates X (n x d), y, Xtest (n_test x d) and ytest, and sets n, d,
 * d_raw = d and n_test. Raises CVX_ERR_INPUT naming what when a count does
 * not fit a PetscInt or a matrix (with room for a bias column) does not fit
 * in memory addresses. */
PetscErrorCode CvxDatasetAllocate(CvxDataset *ds, size_t n, size_t d, size_t n_test, const char *what);

/* *prod = a * b, or CVX_ERR_DATA naming what when the product overflows. */
PetscErrorCode CvxDataSizeMul(size_t a, size_t b, const char *what, size_t *prod);

/* Two-class selection of cifar10 and idx. Marks in keep[0..count) the
 * records to use, in order: keep[i] = -1 for label classes[0], +1 for
 * classes[1], 0 otherwise; the first per_class records of each class are
 * kept (0 = all), then the first cap of those (0 = all); *n_keep counts
 * them. Raises CVX_ERR_INPUT naming what (the file) when a class has no
 * record or when per_class or cap asks for more records than there are;
 * per_key and cap_key name the config keys in those messages. */
PetscErrorCode CvxDataSelectClasses(const unsigned char *labels, size_t count, const PetscInt classes[2],
                                    PetscInt per_class, PetscInt cap, const char *what, const char *per_key,
                                    const char *cap_key, signed char *keep, size_t *n_keep);

/* Checks data.classes, data.per_class and data.test_per_class for a
 * two-class pixel source whose labels are 0..max_label.
 * Raises CVX_ERR_INPUT naming the key. */
PetscErrorCode CvxDataCheckClassKeys(const CvxConfig *cfg, PetscInt max_label);

#endif
