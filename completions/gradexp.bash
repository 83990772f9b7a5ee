# bash completion for gradexp(1)                           -*- shell-script -*-
#
# Installed as $(PREFIX)/share/bash-completion/completions/gradexp, where the
# bash-completion package loads it the first time gradexp is completed; or
# sourced from ~/.bashrc (`. /path/to/gradexp.bash`), which works without the
# bash-completion package too (then a plain fallback reads the command line).
#
# Both `--flag VALUE` and `--flag=VALUE` are completed. --loss and --show take
# comma lists: the item after the last comma is completed, the items before it
# are kept and not offered again. --weights completes a file after a comma too.
#
# The lists below follow `gradexp --help` and `gradexp --version`;
# tests/run_completion.sh checks them against the binary.

_gradexp_opts='--classes --features --target --hidden --act --batch --steps
    --lr --seed --no-abs --init-std --loss --stable --torch --cpu --rng --config
    --input --weights --save --plot --plot-scale --show --precision --linewidth
    --threshold --edgeitems --sci-mode --format --color --colour --explain
    --gradcheck --help --version -h -V'
_gradexp_releases='1.13 2.0 2.1 2.2 2.3 2.4 2.5 2.6 2.7 2.8 2.9 2.10 2.11 2.12
    2.13 2.14'
_gradexp_cpus='default avx2 avx512 neon native'

# _gradexp_words WORD...: the WORDs that start with $cur.
_gradexp_words()
{
    local IFS=$' \t\n'
    mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -W "$*" -- "$cur")
}

# _gradexp_list ITEM...: a comma list of ITEMs; completes the item after the
# last comma of $cur, keeps what is before it, and leaves out the items
# already in the list.
_gradexp_list()
{
    local pre="" last=$cur item
    local -a left=()
    if [[ $cur == *,* ]]; then
        pre=${cur%,*},
        last=${cur##*,}
    fi
    for item; do
        [[ ,$pre == *,"$item",* ]] || left+=("$item")
    done
    local IFS=$' \t\n'
    mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -P "$pre" -W "${left[*]}" -- "$last")
}

# _gradexp_files [-d | EXT...]: directories only (-d), or directories and the
# files named *.EXT (any case), or with no argument every file; as file names
# (readline quotes them and marks directories with a slash).
_gradexp_files()
{
    if declare -F _filedir >/dev/null; then
        if [[ ${1-} == -d ]]; then
            _filedir -d
        elif (($#)); then
            local IFS='|'
            _filedir "@($*)"
        else
            _filedir
        fi
        return
    fi
    compopt -o filenames 2>/dev/null
    if [[ ${1-} == -d ]]; then
        mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -d -- "$cur")
        return
    fi
    local f ext
    while IFS= read -r f; do
        if (($# == 0)) || [[ -d $f ]]; then
            COMPREPLY+=("$f")
            continue
        fi
        for ext; do
            if [[ ${f,,} == *."${ext,,}" ]]; then
                COMPREPLY+=("$f")
                break
            fi
        done
    done < <(compgen -f -- "$cur")
}

# _gradexp_file_list EXT...: a comma list of files (--weights): the file
# after the last comma, the files before it kept.
_gradexp_file_list()
{
    if [[ $cur != *,* ]]; then
        _gradexp_files "$@"
        return
    fi
    local pre=${cur%,*}, i
    cur=${cur##*,}
    _gradexp_files "$@"
    # The words are no longer bare file names: mark directories here.
    for i in "${!COMPREPLY[@]}"; do
        [[ -d ${COMPREPLY[i]} ]] && COMPREPLY[i]+=/
        COMPREPLY[i]=$pre${COMPREPLY[i]}
    done
    [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == */ ]] &&
        compopt -o nospace 2>/dev/null
}

# Without bash-completion: sets cur, prev, words, cword and split as
# `_init_completion -s` does. COMP_WORDBREAKS normally holds '=', so
# `--loss=so` arrives as the three words `--loss` `=` `so` (and `--loss=` as
# `--loss` `=`); without it, as one word.
_gradexp_init()
{
    COMPREPLY=()
    words=("${COMP_WORDS[@]}")
    cword=$COMP_CWORD
    cur=${COMP_WORDS[COMP_CWORD]-}
    prev=${COMP_WORDS[COMP_CWORD - 1]-}
    # only the part of the word before the cursor
    local before=${COMP_LINE:0:COMP_POINT} i
    for ((i = ${#cur}; i > 0; i--)); do
        [[ $before == *"${cur:0:i}" ]] && break
    done
    cur=${cur:0:i}
    if [[ $cur == = && $prev == --?* ]]; then
        cur=
        split=true
    elif [[ $prev == = && $cword -ge 2 && ${words[cword - 2]} == --?* ]]; then
        prev=${words[cword - 2]}
        split=true
    elif [[ $cur == --?*=* ]]; then
        prev=${cur%%=*}
        cur=${cur#*=}
        split=true
    fi
}

_gradexp()
{
    local cur prev words cword split=false
    if declare -F _init_completion >/dev/null; then
        _init_completion -s || return
    else
        _gradexp_init
    fi

    case $prev in
        --loss)
            _gradexp_list sigmoid softmax bce all
            return
            ;;
        --show)
            _gradexp_list x w h z p loss grad all
            return
            ;;
        --act)
            _gradexp_words relu tanh sigmoid
            return
            ;;
        --torch)
            _gradexp_words "$_gradexp_releases"
            return
            ;;
        --cpu | --rng)
            _gradexp_words "$_gradexp_cpus"
            return
            ;;
        --plot-scale)
            _gradexp_words shared each
            return
            ;;
        --sci-mode)
            _gradexp_words auto on off
            return
            ;;
        --format)
            _gradexp_words torch json html
            return
            ;;
        --color | --colour)
            # the value is optional and only ever after '='
            if [[ $split == true ]]; then
                _gradexp_words auto always never
                return
            fi
            ;;
        --config)
            _gradexp_files
            return
            ;;
        --input)
            _gradexp_files npy safetensors
            return
            ;;
        --weights)
            _gradexp_file_list npy safetensors
            return
            ;;
        --save)
            _gradexp_files -d
            return
            ;;
        --plot)
            _gradexp_files svg
            return
            ;;
        --classes | --features | --target | --hidden | --batch | --steps | --lr | \
            --seed | --init-std | --precision | --linewidth | --threshold | --edgeitems)
            # numbers: nothing to offer
            return
            ;;
    esac

    # `--flag=...` for a flag that takes no value
    [[ $split == true ]] && return

    # gradexp takes no operands: only flags
    if [[ -z $cur || $cur == -* ]]; then
        _gradexp_words "$_gradexp_opts"
    fi
}

complete -F _gradexp gradexp

# ex: filetype=sh
