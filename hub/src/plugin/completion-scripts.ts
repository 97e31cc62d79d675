/**
 * `kubectl work completion bash|zsh|fish`: scripts that complete the
 * `kubectl-work` command in those shells. Each asks `kubectl-work __complete
 * WORDS...` (complete.ts: candidates a line, `value<TAB>description`, then
 * `:<directive>`) and does what the directive says: bit 1 error (nothing),
 * 2 no space after the word, 4 no file names; without 4 and without
 * candidates, file names (--kubeconfig). A `--flag=value` word is completed
 * by its value; each shell puts the `--flag=` back its own way.
 *
 * `kubectl work <TAB>` needs none of these: kubectl (v1.26+) runs the
 * executable kubectl_complete-work, which speaks the same protocol.
 */

const BASH = `# bash completion for kubectl-work. Load it with
#   source <(kubectl-work completion bash)
# (kubectl work <TAB> is completed by kubectl itself, through kubectl_complete-work.)
_kubectl_work() {
    local line="\${COMP_LINE:0:COMP_POINT}" words=() out directive=0 last cur c i
    # The words up to the cursor split on blanks only, so that --flag=value stays one word.
    read -r -a words <<< "$line"
    [[ $line =~ [[:space:]]$ || \${#words[@]} -eq 0 ]] && words+=("")
    cur="\${words[\${#words[@]}-1]}"
    out="$("\${words[0]:-kubectl-work}" __complete "\${words[@]:1}" 2>/dev/null)" || return 0
    last="\${out##*$'\\n'}"
    if [[ $last =~ ^:[0-9]+$ ]]; then
        directive="\${last:1}"
        if [[ $out == *$'\\n'* ]]; then out="\${out%$'\\n'*}"; else out=""; fi
    fi
    COMPREPLY=()
    (( directive & 1 )) && return 0
    local flag=""
    if [[ $cur == -*=* ]]; then flag="\${cur%%=*}="; cur="\${cur#*=}"; fi
    while IFS= read -r c; do
        c="\${c%%$'\\t'*}"
        [[ -n $c && $c == "$cur"* ]] && COMPREPLY+=("$c")
    done <<< "$out"
    # bash replaces only the part after the last word break: put back what it does not see as one.
    if [[ -n $flag && $COMP_WORDBREAKS != *=* ]]; then
        for i in "\${!COMPREPLY[@]}"; do COMPREPLY[i]="$flag\${COMPREPLY[i]}"; done
    fi
    if [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then
        local colon="\${cur%"\${cur##*:}"}"
        for i in "\${!COMPREPLY[@]}"; do COMPREPLY[i]="\${COMPREPLY[i]#"$colon"}"; done
    fi
    (( directive & 2 )) && compopt -o nospace 2>/dev/null
    if (( directive & 4 )) || (( \${#COMPREPLY[@]} > 0 )); then compopt +o default 2>/dev/null; fi
    return 0
}
complete -o default -F _kubectl_work kubectl-work
`;

const ZSH = `#compdef kubectl-work
# zsh completion for kubectl-work. Load it with (after compinit)
#   source <(kubectl-work completion zsh)
# (kubectl work <TAB> is completed by kubectl itself, through kubectl_complete-work.)
_kubectl_work() {
    local out last line value desc directive=0 cur="\${words[CURRENT]}"
    local -a completions prefix nospace
    out="$("\${words[1]}" __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)" || return 1
    last="\${out##*$'\\n'}"
    if [[ $last == :<-> ]]; then
        directive="\${last#:}"
        if [[ $out == *$'\\n'* ]]; then out="\${out%$'\\n'*}"; else out=""; fi
    fi
    (( directive & 1 )) && return 1
    [[ $cur == -*=* ]] && prefix=(-P "\${cur%%=*}=")
    (( directive & 2 )) && nospace=(-S '')
    for line in "\${(@f)out}"; do
        [[ -z $line ]] && continue
        value="\${line%%$'\\t'*}"
        desc=""
        [[ $line == *$'\\t'* ]] && desc="\${line#*$'\\t'}"
        completions+=("\${value//:/\\\\:}\${desc:+:$desc}")
    done
    if (( \${#completions} > 0 )); then
        _describe -t kubectl-work 'kubectl-work' completions "\${prefix[@]}" "\${nospace[@]}"
    elif (( ! (directive & 4) )); then
        _files
    fi
}
compdef _kubectl_work kubectl-work
`;

const FISH = `# fish completion for kubectl-work. Load it with
#   kubectl-work completion fish | source
# (kubectl work <TAB> is completed by kubectl itself, through kubectl_complete-work.)
function __kubectl_work_complete
    set -l args (commandline -opc)
    set -l cur (commandline -ct)
    set -l cmd $args[1]
    set -e args[1]
    set -l out ($cmd __complete $args $cur 2>/dev/null)
    or return
    set -l directive 0
    if test (count $out) -gt 0; and string match -qr '^:[0-9]+$' -- $out[-1]
        set directive (string sub -s 2 -- $out[-1])
        set -e out[-1]
    end
    test (math "bitand($directive, 1)") -ne 0; and return
    set -l flag (string match -r -- '^-[^=]*=' $cur)
    set -l value (string replace -r -- '^-[^=]*=' '' $cur)
    set -l found 0
    for line in $out
        test -z "$line"; and continue
        string match -q -- "$value*" (string split -m1 \\t -- $line)[1]; or continue
        printf '%s%s\\n' "$flag" "$line"
        set found 1
    end
    if test $found -eq 0; and test (math "bitand($directive, 4)") -eq 0
        __fish_complete_path "$cur"
    end
end
complete -c kubectl-work -e
complete -c kubectl-work -f -a '(__kubectl_work_complete)'
`;

export const COMPLETION_SCRIPTS: Record<string, string> = { bash: BASH, zsh: ZSH, fish: FISH };
