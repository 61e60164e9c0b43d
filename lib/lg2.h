/*
 * lg2.h - libgit2, loaded when a command first needs it.
 *
 * Linking libgit2 costs every exec its start-up (about 8 ms here), and
 * most commands never talk to a remote.  So the sync code reaches
 * libgit2 through a table of function pointers that rel_lg2_load fills
 * with dlopen/dlsym, using the soname the build found.  The table lives
 * in a struct the caller owns (no global state in the library); each
 * entry's type is checked at compile time against the libgit2 headers
 * the build sees, and the loaded library's version against theirs.
 *
 * Call through the table: `g->tree_lookup(&t, repo, &oid)` for
 * git_tree_lookup.  Only this module includes <git2.h> for the sync
 * code; its users include this header.
 */
#ifndef REL_LG2_H
#define REL_LG2_H

#include <git2.h>
#include <git2/sys/mempack.h>
#include <git2/sys/odb_backend.h>

#include "err.h"

/* X(return type, name without git_, parameter list) */
#define REL_LG2_FUNCS(X) \
	X(int, libgit2_init, (void)) \
	X(int, libgit2_shutdown, (void)) \
	X(int, libgit2_version, (int *major, int *minor, int *rev)) \
	X(int, libgit2_opts, (int option, ...)) \
	X(const git_error *, error_last, (void)) \
	X(void, error_clear, (void)) \
	X(int, repository_init, (git_repository **out, const char *path, \
	    unsigned is_bare)) \
	X(int, repository_open_bare, (git_repository **out, \
	    const char *bare_path)) \
	X(void, repository_free, (git_repository *repo)) \
	X(const char *, repository_path, (const git_repository *repo)) \
	X(int, repository_odb, (git_odb **out, git_repository *repo)) \
	X(void, odb_free, (git_odb *db)) \
	X(int, odb_read_header, (size_t *len_out, git_object_t *type_out, \
	    git_odb *db, const git_oid *id)) \
	X(int, odb_hash, (git_oid *out, const void *data, size_t len, \
	    git_object_t type)) \
	X(int, odb_add_backend, (git_odb *odb, git_odb_backend *backend, \
	    int priority)) \
	X(int, odb_write_pack, (git_odb_writepack **out, git_odb *db, \
	    git_indexer_progress_cb progress_cb, void *progress_payload)) \
	X(int, mempack_new, (git_odb_backend **out)) \
	X(int, mempack_dump, (git_buf *pack, git_repository *repo, \
	    git_odb_backend *backend)) \
	X(int, mempack_reset, (git_odb_backend *backend)) \
	X(void, buf_dispose, (git_buf *buffer)) \
	X(int, reference_name_to_id, (git_oid *out, git_repository *repo, \
	    const char *name)) \
	X(int, reference_create, (git_reference **out, git_repository *repo, \
	    const char *name, const git_oid *id, int force, \
	    const char *log_message)) \
	X(int, reference_create_matching, (git_reference **out, \
	    git_repository *repo, const char *name, const git_oid *id, \
	    int force, const git_oid *current_id, const char *log_message)) \
	X(int, reference_remove, (git_repository *repo, const char *name)) \
	X(void, reference_free, (git_reference *ref)) \
	X(int, blob_create_from_buffer, (git_oid *id, git_repository *repo, \
	    const void *buffer, size_t len)) \
	X(int, blob_lookup, (git_blob **blob, git_repository *repo, \
	    const git_oid *id)) \
	X(const void *, blob_rawcontent, (const git_blob *blob)) \
	X(git_object_size_t, blob_rawsize, (const git_blob *blob)) \
	X(void, blob_free, (git_blob *blob)) \
	X(int, tree_lookup, (git_tree **out, git_repository *repo, \
	    const git_oid *id)) \
	X(void, tree_free, (git_tree *tree)) \
	X(int, tree_entry_bypath, (git_tree_entry **out, \
	    const git_tree *root, const char *path)) \
	X(void, tree_entry_free, (git_tree_entry *entry)) \
	X(const git_oid *, tree_entry_id, (const git_tree_entry *entry)) \
	X(git_object_t, tree_entry_type, (const git_tree_entry *entry)) \
	X(const char *, tree_entry_name, (const git_tree_entry *entry)) \
	X(int, tree_walk, (const git_tree *tree, git_treewalk_mode mode, \
	    git_treewalk_cb callback, void *payload)) \
	X(int, tree_create_updated, (git_oid *out, git_repository *repo, \
	    git_tree *baseline, size_t nupdates, \
	    const git_tree_update *updates)) \
	X(int, commit_lookup, (git_commit **commit, git_repository *repo, \
	    const git_oid *id)) \
	X(void, commit_free, (git_commit *commit)) \
	X(int, commit_tree, (git_tree **tree_out, const git_commit *commit)) \
	X(int, commit_create, (git_oid *id, git_repository *repo, \
	    const char *update_ref, const git_signature *author, \
	    const git_signature *committer, const char *message_encoding, \
	    const char *message, const git_tree *tree, size_t parent_count, \
	    const git_commit *parents[])) \
	X(int, signature_new, (git_signature **out, const char *name, \
	    const char *email, git_time_t time, int offset)) \
	X(void, signature_free, (git_signature *sig)) \
	X(int, graph_descendant_of, (git_repository *repo, \
	    const git_oid *commit, const git_oid *ancestor)) \
	X(int, graph_ahead_behind, (size_t *ahead, size_t *behind, \
	    git_repository *repo, const git_oid *local, \
	    const git_oid *upstream)) \
	X(int, diff_tree_to_tree, (git_diff **diff, git_repository *repo, \
	    git_tree *old_tree, git_tree *new_tree, \
	    const git_diff_options *opts)) \
	X(size_t, diff_num_deltas, (const git_diff *diff)) \
	X(const git_diff_delta *, diff_get_delta, (const git_diff *diff, \
	    size_t idx)) \
	X(void, diff_free, (git_diff *diff)) \
	X(int, revwalk_new, (git_revwalk **out, git_repository *repo)) \
	X(int, revwalk_push, (git_revwalk *walk, const git_oid *id)) \
	X(int, revwalk_hide, (git_revwalk *walk, const git_oid *commit_id)) \
	X(int, revwalk_next, (git_oid *out, git_revwalk *walk)) \
	X(void, revwalk_free, (git_revwalk *walk)) \
	X(int, packbuilder_new, (git_packbuilder **out, git_repository *repo)) \
	X(int, packbuilder_insert_walk, (git_packbuilder *pb, \
	    git_revwalk *walk)) \
	X(int, packbuilder_write, (git_packbuilder *pb, const char *path, \
	    unsigned int mode, git_indexer_progress_cb progress_cb, \
	    void *progress_cb_payload)) \
	X(void, packbuilder_free, (git_packbuilder *pb)) \
	X(int, remote_create_options_init, \
	    (git_remote_create_options *opts, unsigned int version)) \
	X(int, remote_create_with_opts, (git_remote **out, const char *url, \
	    const git_remote_create_options *opts)) \
	X(int, remote_init_callbacks, (git_remote_callbacks *opts, \
	    unsigned int version)) \
	X(int, fetch_options_init, (git_fetch_options *opts, \
	    unsigned int version)) \
	X(int, push_options_init, (git_push_options *opts, \
	    unsigned int version)) \
	X(int, remote_create_detached, (git_remote **out, const char *url)) \
	X(int, remote_connect, (git_remote *remote, git_direction direction, \
	    const git_remote_callbacks *callbacks, \
	    const git_proxy_options *proxy_opts, \
	    const git_strarray *custom_headers)) \
	X(int, remote_ls, (const git_remote_head ***out, size_t *size, \
	    git_remote *remote)) \
	X(int, remote_download, (git_remote *remote, \
	    const git_strarray *refspecs, const git_fetch_options *opts)) \
	X(int, remote_upload, (git_remote *remote, \
	    const git_strarray *refspecs, const git_push_options *opts)) \
	X(int, remote_disconnect, (git_remote *remote)) \
	X(void, remote_free, (git_remote *remote)) \
	X(int, credential_ssh_key_from_agent, (git_credential **out, \
	    const char *username)) \
	X(int, credential_ssh_key_new, (git_credential **out, \
	    const char *username, const char *publickey, \
	    const char *privatekey, const char *passphrase)) \
	X(int, credential_userpass_plaintext_new, (git_credential **out, \
	    const char *username, const char *password)) \
	X(int, credential_username_new, (git_credential **out, \
	    const char *username))

struct rel_lg2 {
	void *handle;              /* from dlopen, NULL when not loaded */
#define REL_LG2_MEMBER(ret, name, args) ret (*name) args;
	REL_LG2_FUNCS(REL_LG2_MEMBER)
#undef REL_LG2_MEMBER
};

/* Load libgit2 into g and initialise it (and turn on fsync of what it
 * writes: a ref must never name an object a crash lost).  REL_ESYS
 * with the reason if the library or a symbol is missing or its version
 * is not the one rel was built against. */
int rel_lg2_load(struct rel_lg2 *g, struct rel_err *err);
/* Shut libgit2 down and unload it; a no-op when not loaded. */
void rel_lg2_unload(struct rel_lg2 *g);

/* libgit2's last error message, or "unknown libgit2 error". */
const char *rel_lg2_msg(const struct rel_lg2 *g);

/* Object ids without libgit2: hex (41 bytes with the NUL), parse,
 * compare, zero. */
void rel_oid_hex(const git_oid *id, char out[GIT_OID_HEXSZ + 1]);
int rel_oid_parse(git_oid *id, const char *hex);
int rel_oid_eq(const git_oid *a, const git_oid *b);
int rel_oid_zero(const git_oid *id);

#endif
