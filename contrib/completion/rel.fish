# fish completion for rel and its commands.
#
# Installed as share/fish/vendor_completions.d/rel.fish, with a link named
# after each command (rel-status.fish, ...) since fish loads completions by
# command name; whichever is loaded first defines them all, once.
#
# Options come from each command's own option table, which it prints
# with the hidden --rel-completion-helper (asked once, when this file
# loads: it touches nothing); products, release ids (newest first),
# environments and steps are read from the state directory: --state DIR
# on the line, else $REL_STATE_DIR, else
# ${XDG_STATE_HOME:-$HOME/.local/state}/rel.  Only files are read there,
# so completion never waits for a lock.  See rel.bash for the same rules
# in bash.

if not set -q __rel_fish_completion

    set -g __rel_fish_completion 1

    # The option table of rel-SUB (the hidden --rel-completion-helper of
    # the command), one option a line: --long, -s, the value's name, what
    # the value is, help ("-" for none).  Asked once.
    function __rel_table -a cmd
        set -l var __rel_table_(string replace -a -- - _ $cmd)
        if not set -q $var
            set -g $var (command $cmd --rel-completion-helper 2>/dev/null </dev/null)
        end
        printf '%s\n' $$var
    end

    # The options that take a value, per command.
    function __rel_valopts -a cmd
        for line in (__rel_table $cmd)
            set -l f (string split \t -- $line)
            test "$f[3]" = -; and continue
            test "$f[1]" = -; or printf '%s\n' $f[1]
            test "$f[2]" = -; or printf '%s\n' $f[2]
        end
    end

    # rel-COMMAND, then its words before the cursor (`rel status ...`
    # counts as `rel-status ...`).
    function __rel_line
        set -l toks (commandline -opc)
        set -q toks[1]; or return 1
        set -l cmd (string replace -r -- '.*/' '' $toks[1])
        set -e toks[1]
        if test "$cmd" = rel
            while set -q toks[1]; and string match -q -- '-*' $toks[1]
                set -e toks[1]
            end
            set -q toks[1]; or return 1
            set cmd rel-$toks[1]
            set -e toks[1]
        end
        printf '%s\n' $cmd $toks
    end

    # Is the subcommand of `rel` SUB?
    function __rel_sub_is -a sub
        set -l w (__rel_line); or return 1
        test "$w[1]" = rel-$sub
    end

    # The operands before the cursor, one per line.
    function __rel_pos
        set -l words (__rel_line); or return 1
        set -l valopts (__rel_valopts $words[1])
        set -e words[1]
        set -l skip 0
        set -l dd 0
        for w in $words
            if test $skip = 1
                set skip 0
                continue
            end
            if test $dd = 1; or not string match -q -- '-?*' $w
                printf '%s\n' $w
                continue
            end
            if test "$w" = --
                set dd 1
                continue
            end
            if string match -q -- '--*' $w
                if not string match -q -- '*=*' $w
                    contains -- $w $valopts; and set skip 1
                end
                continue
            end
            # -rd, -oVALUE, -o VALUE
            set -l chars (string split '' -- (string sub -s 2 -- $w))
            set -l n (count $chars)
            for i in (seq $n)
                if contains -- -$chars[$i] $valopts
                    test $i -eq $n; and set skip 1
                    break
                end
            end
        end
    end

    # Are there exactly N operands before the cursor?
    function __rel_npos -a n
        test (count (__rel_pos)) -eq $n
    end

    # Is one of the options given?
    function __rel_seen
        set -l words (__rel_line); or return 1
        for o in $argv
            contains -- $o $words; and return 0
        end
        return 1
    end

    # The state directory the command will use.
    function __rel_state
        set -l words (__rel_line)
        set -l dir
        set -l n (count $words)
        for i in (seq $n)
            switch $words[$i]
                case --state
                    test $i -lt $n; and set dir $words[(math $i + 1)]
                case '--state=*'
                    set dir (string replace -- --state= '' $words[$i])
            end
        end
        if test -n "$dir"
            string replace -r -- '^~' $HOME $dir
        else if test -n "$REL_STATE_DIR"
            printf '%s\n' $REL_STATE_DIR
        else if test -n "$XDG_STATE_HOME"
            printf '%s\n' $XDG_STATE_HOME/rel
        else
            printf '%s\n' $HOME/.local/state/rel
        end
    end

    # The path of release ID's record, if it is there.
    function __rel_record -a id
        string match -qr -- '^[A-Za-z0-9][A-Za-z0-9._-]*-[1-9][0-9]*$' $id
        or return 1
        set -l product (string replace -r -- '-[0-9]+$' '' $id)
        set -l f (__rel_state)/products/$product/releases/$id
        test -f $f; and printf '%s\n' $f
    end

    # Names from a record's header: `env NAME ...` lines, or with
    # `step ENV` the `step ENV NAME KIND` lines.  Stops at the first
    # transition: what follows can be long.
    function __rel_header -a file kind env
        while read -l line
            set -l f (string split \t -- $line)
            switch $f[1]
                case env
                    test "$kind" = env; and printf '%s\n' $f[2]
                case step
                    if test "$kind" = step; and test "$f[2]" = "$env"
                        printf '%s\n' $f[3]
                    end
                case tr out
                    break
            end
        end <$file
    end

    # Release ids, newest first; with `hotfix` only hotfixes, if any.
    function __rel_ids -a only
        set -l dir (__rel_state)
        set -l out
        for f in $dir/products/*/releases/*
            set -l id (string replace -r -- '.*/' '' $f)
            set -l m (string match -r -- '-([1-9][0-9]*)$' $id)
            set -q m[2]; or continue
            if test "$only" = hotfix
                string match -q -- 'hotfix'\t'yes'\t'*' (head -n 8 $f)
                or continue
            end
            set -a out $m[2]\t$id
        end
        if test "$only" = hotfix; and not set -q out[1]
            __rel_ids
            return
        end
        set -q out[1]; and printf '%s\n' $out | sort -t \t -k1,1nr | cut -f2
    end

    # Product names; with `flows` also those that only have a flow yet.
    function __rel_products -a flows
        set -l dir (__rel_state)
        begin
            for d in $dir/products/*/releases
                string replace -r -- '.*/products/([^/]*)/releases$' '$1' $d
            end
            if test "$flows" = flows
                for f in $dir/flows/*.yaml
                    string replace -r -- '.*/([^/]*)\.yaml$' '$1' $f
                end
            end
        end | sort -u
    end

    # Environments of the release named on the line, else of every
    # product; not those already given (rel-promote RELEASE ENV...).
    function __rel_envs
        set -l pos (__rel_pos)
        set -l envs
        for p in $pos
            set -l rec (__rel_record $p); or continue
            set envs (__rel_header $rec env)
            break
        end
        if not set -q envs[1]
            set -l dir (__rel_state)
            for f in $dir/products/*/envs/*
                set -a envs (string replace -r -- '.*/' '' $f)
            end
            for d in $dir/products/*/releases
                set -l product (string replace -r -- '.*/products/([^/]*)/releases$' '$1' $d)
                set -l newest (__rel_ids | string match -r -- "^\Q$product\E-[0-9]+\$")[1]
                test -n "$newest"; or continue
                set -a envs (__rel_header $d/$newest env)
            end
        end
        for e in $envs
            string match -q -- '.tmp.*' $e; and continue
            contains -- $e $pos; or printf '%s\n' $e
        end | awk '!seen[$0]++'
    end

    # The steps of environment ENV (second operand) of the release (first).
    function __rel_steps
        set -l pos (__rel_pos)
        set -l rec (__rel_record $pos[1]); or return
        __rel_header $rec step $pos[2]
    end

    # The components of the product's flow, each followed by `=`.
    function __rel_components
        set -l words (__rel_line); or return
        set -l flow
        set -l n (count $words)
        for i in (seq $n)
            switch $words[$i]
                case -f --flow
                    test $i -lt $n; and set flow $words[(math $i + 1)]
                case '--flow=*'
                    set flow (string replace -- --flow= '' $words[$i])
            end
        end
        set -l product (__rel_pos)[1]
        if test -z "$flow"; and test -n "$product"
            set flow (__rel_state)/flows/$product.yaml
        end
        set -l comps
        if test -n "$flow"; and test -f "$flow"
            set -l in 0
            while read -l l
                set l (string replace -r -- '#.*' '' "$l")
                if test $in = 1
                    set -l m (string match -r -- '^\s*-\s*(\S+)' "$l")
                    if set -q m[2]
                        set -a comps (string replace -a -r -- '["\']' '' $m[2])
                        continue
                    end
                    string match -qr -- '^\s*$' "$l"; and continue
                    break
                end
                set -l m (string match -r -- '^components:\s*(.*)$' "$l")
                set -q m[2]; or continue
                if string match -q -- '[*' $m[2]
                    set -l inner (string replace -r -- '^\[([^\]]*)\].*' '$1' $m[2])
                    set comps (string split , -- $inner | string trim | string replace -a -r -- '["\']' '')
                    break
                end
                set in 1
            end <$flow
        end
        if not set -q comps[1]; and test -n "$product"
            set comps $product
        end
        for c in $comps
            test -n "$c"; and printf '%s=\n' $c
        end
    end

    # --status S[,S...]: the statuses, after what is typed before the
    # last comma.
    function __rel_status_values
        set -l tok (string replace -r -- '^--status=' '' (commandline -ct))
        set -l head (string match -r -- '^.*,' $tok)
        for s in pending running suspended succeeded failed error terminating terminated skipped
            contains -- $s (string split , -- $head); or printf '%s%s\n' "$head" $s
        end
    end

    # complete for rel-SUB, and for `rel SUB`: __rel_c SUB CONDITION ARGS
    function __rel_c -a sub cond
        set -e argv[1]
        set -e argv[1]
        if test -n "$cond"
            complete -c rel-$sub -n $cond $argv
            complete -c rel -n "__rel_sub_is $sub; and $cond" $argv
        else
            complete -c rel-$sub $argv
            complete -c rel -n "__rel_sub_is $sub" $argv
        end
    end

    # --- the commands -----------------------------------------------

    complete -c rel -f
    complete -c rel -n __fish_use_subcommand -l version -d 'print the version'
    complete -c rel -n __fish_use_subcommand -l help -d 'list the commands'
    complete -c rel -n __fish_use_subcommand -a create -d 'make a release of a product'
    complete -c rel -n __fish_use_subcommand -a promote -d 'run a release\'s flow'
    complete -c rel -n __fish_use_subcommand -a status -d 'what is where'
    complete -c rel -n __fish_use_subcommand -a log -d 'print step logs'
    complete -c rel -n __fish_use_subcommand -a notes -d 'release notes from git history'
    complete -c rel -n __fish_use_subcommand -a redeploy -d 'deploy a release again (rollback)'
    complete -c rel -n __fish_use_subcommand -a terminate -d 'stop releases'
    complete -c rel -n __fish_use_subcommand -a freeze -d 'stop promotions into environments'
    complete -c rel -n __fish_use_subcommand -a revparse -d 'resolve a git revision'
    complete -c rel -n __fish_use_subcommand -a sync -d 'share the store through a git remote'
    complete -c rel -n __fish_use_subcommand -a help -d 'show the manual of a command'
    complete -c rel -n '__fish_seen_subcommand_from help' -a 'create promote status log notes redeploy terminate freeze revparse sync'

    # Each command's options, from its own table.
    function __rel_options -a sub
        for line in (__rel_table rel-$sub)
            set -l f (string split \t -- $line)
            set -l args
            test "$f[1]" = -; or set -a args -l (string sub -s 3 -- $f[1])
            test "$f[2]" = -; or set -a args -s (string sub -s 2 -- $f[2])
            if test "$f[3]" != -
                switch $f[4]
                    case '*|*'
                        set -a args -x -a (string replace -a '|' ' ' -- $f[4])
                    case dir
                        set -a args -x -a '(__fish_complete_directories)'
                    case file
                        set -a args -r -F
                    case env
                        set -a args -x -a '(__rel_envs)'
                    case release
                        set -a args -x -k -a '(__rel_ids)'
                    case product
                        set -a args -x -a '(__rel_products)'
                    case status
                        set -a args -x -a '(__rel_status_values)'
                    case component
                        set -a args -x -a '(__rel_components)'
                    case '*'
                        set -a args -x
                end
            end
            __rel_c $sub '' $args -d $f[5]
        end
    end

    for sub in create promote status redeploy terminate freeze log revparse notes sync
        complete -c rel-$sub -f
        __rel_options $sub
    end
    set -e sub

    # --- the operands of each command -------------------------------

    __rel_c create '__rel_npos 0' -a '(__rel_products flows)' -d product

    __rel_c promote '__rel_npos 0' -k -a '(__rel_ids)' -d release
    __rel_c promote 'not __rel_npos 0; and not __rel_seen -r --retry' -a '(__rel_envs)' -d environment

    __rel_c status '' -a '(__rel_products)' -d product
    __rel_c status '' -k -a '(__rel_ids)' -d release

    __rel_c redeploy '__rel_npos 0; and not __rel_seen --restore' -k -a '(__rel_ids)' -d release
    __rel_c redeploy '__rel_npos 0; and __rel_seen --restore' -k -a '(__rel_ids hotfix)' -d hotfix
    __rel_c redeploy '__rel_npos 1; and not __rel_seen --restore' -a '(__rel_envs)' -d environment

    __rel_c terminate 'not __rel_seen -x --expired' -k -a '(__rel_ids)' -d release
    __rel_c terminate '__rel_seen -x --expired' -a '(__rel_products)' -d product

    __rel_c freeze '' -a '(__rel_envs)' -d environment

    __rel_c log '__rel_npos 0' -k -a '(__rel_ids)' -d release
    __rel_c log '__rel_npos 1' -a '(__rel_envs)' -d environment
    __rel_c log '__rel_npos 2' -a '(__rel_steps)' -d step

    __rel_c notes '__rel_npos 0' -k -a '(__rel_ids)' -d release

    __rel_c sync '' -a '(__rel_products)' -d product
end
