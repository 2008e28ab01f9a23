//! The page's words in English and in Chinese (zh-CN).
//!
//! Every string the page shows is a [`Msg`]; the `catalogue!` macro makes each entry
//! give both languages, so a missing translation does not compile. [`Msg::ALL`] lets the
//! tests enumerate the catalogue, and a test scans `src/ui/` for text written directly in
//! the markup. Texts may hold `{0}`, `{1}` placeholders, filled by [`Msg::fill`].

/// The languages of the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    Zh,
}

impl Lang {
    /// The code used in URLs, local storage and `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        }
    }

    /// `en`, `en-US`, `zh`, `zh-CN`, `zh-Hans-CN`…; anything else is not a language
    /// the page has.
    pub fn parse(code: &str) -> Option<Lang> {
        let lower = code.to_ascii_lowercase();
        if lower == "en" || lower.starts_with("en-") {
            Some(Lang::En)
        } else if lower == "zh" || lower.starts_with("zh-") || lower.starts_with("zh_") {
            Some(Lang::Zh)
        } else {
            None
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Zh,
            Lang::Zh => Lang::En,
        }
    }

    fn index(self) -> usize {
        match self {
            Lang::En => 0,
            Lang::Zh => 1,
        }
    }
}

macro_rules! catalogue {
    ($($key:ident => $en:literal, $zh:literal;)*) => {
        /// One string of the page, in both languages.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Msg { $($key),* }

        impl Msg {
            /// Every message, for the tests.
            #[allow(dead_code)]
            pub const ALL: &'static [Msg] = &[$(Msg::$key),*];

            /// The message's key, as written in the source.
            #[allow(dead_code)]
            pub fn key(self) -> &'static str {
                match self { $(Msg::$key => stringify!($key)),* }
            }

            /// The text in `lang`.
            pub fn text(self, lang: Lang) -> &'static str {
                let texts: [&'static str; 2] = match self { $(Msg::$key => [$en, $zh]),* };
                texts[lang.index()]
            }
        }
    };
}

impl Msg {
    /// The text with `{0}`, `{1}`… replaced by `args`.
    pub fn fill(self, lang: Lang, args: &[&str]) -> String {
        let mut text = self.text(lang).to_string();
        for (i, a) in args.iter().enumerate() {
            text = text.replace(&format!("{{{i}}}"), a);
        }
        text
    }
}

catalogue! {
    Tagline => "Kubernetes Services, from manifests to kube-proxy's rules", "Kubernetes Service：从清单到 kube-proxy 规则";
    Gallery => "Examples", "示例";
    GalleryTitle => "Examples: the labs of the tutorials", "示例：教程中的实验";
    GalleryIntro => "Loading an example replaces the editor's text; yours is kept in Recent, one click away.", "加载示例会替换编辑器中的内容；原来的内容保存在“最近”中，一键即可恢复。";
    Load => "Load", "加载";
    Close => "Close", "关闭";
    Share => "Share", "分享";
    ShareCopied => "Link copied: it holds the whole scenario, nothing is uploaded.", "链接已复制：场景全部保存在链接里，不会上传任何数据。";
    ShareLong => "The link is {0} characters long; some chat tools cut long links. Export the file instead.", "链接长度为 {0} 个字符，部分聊天工具会截断长链接，可以改为导出文件。";
    ShareFailed => "Could not make a link in this browser.", "此浏览器无法生成链接。";
    ShareInAddressBar => "The link is in the address bar: copy it from there (the clipboard was not available).", "链接已放在地址栏中，请从地址栏复制（剪贴板不可用）。";
    LinkDamaged => "This link is damaged or cut short; the scenario it held could not be read. Nothing was loaded.", "链接已损坏或被截断，无法读取其中的场景，未加载任何内容。";
    LinkFuture => "This link was made by a newer svcplay; reload the page to get the newest version. Nothing was loaded.", "此链接由更新版本的 svcplay 生成，请刷新页面以获取最新版本。未加载任何内容。";
    Export => "Export", "导出";
    Import => "Import", "导入";
    SwitchLanguage => "中文", "English";
    SwitchLanguageLabel => "Switch the page to Chinese", "将页面切换为英文";
    ThemeDark => "Dark", "深色";
    ThemeLight => "Light", "浅色";
    ThemeLabel => "Switch between light and dark", "切换浅色/深色主题";
    Shortcuts => "Shortcuts and settings", "快捷键与设置";
    ShortcutsCaption => "Keyboard shortcuts", "键盘快捷键";
    Settings => "Settings", "设置";
    PrefShortcuts => "Single-key shortcuts (g, l, 1…9…)", "单键快捷键（g、l、1…9 等）";
    PrefTabMovesFocus => "In the editor, Tab moves to the next control instead of indenting", "在编辑器中，Tab 键跳到下一个控件而不是缩进";
    TextSize => "Text size", "文字大小";
    SourceTyped => "Your scenario", "你的场景";
    SourceExample => "Example: {0}", "示例：{0}";
    SourceLink => "A shared link", "分享链接";
    SourceFile => "An imported file", "导入的文件";
    SourceEmbed => "The page's example", "页面发来的示例";
    SourceLesson => "Lesson {0}", "课程 {0}";
    Replaced => "Opened: {0}. Your previous scenario is kept in Recent.", "已打开：{0}。你之前的场景保存在“最近”中。";
    BringBack => "Bring back my scenario", "恢复我的场景";
    Restored => "Scenario restored; the one it replaced is in Recent.", "场景已恢复；被替换的场景保存在“最近”中。";
    Recent => "Recent", "最近";
    RecentTitle => "Recent scenarios", "最近的场景";
    RecentIntro => "Scenarios that a link, an example or an import replaced, newest first. Opening one puts the current scenario here in its place.", "被链接、示例或导入替换掉的场景，最新的在前。打开其中一个时，当前场景会保存到这里。";
    RecentNone => "Nothing yet.", "暂无内容。";
    RecentEmbedded => "Here they are kept until you leave this page: an embedded playground saves nothing in your browser.", "在这里它们只保留到你离开本页为止：嵌入的演练场不会在浏览器中保存任何内容。";
    RecentMeta => "{0} · {1} lines", "{0} · {1} 行";
    Open => "Open", "打开";
    Forget => "Forget", "删除";
    JustNow => "just now", "刚刚";
    MinutesAgo => "{0} min ago", "{0} 分钟前";
    HoursAgo => "{0} h ago", "{0} 小时前";
    DaysAgo => "{0} days ago", "{0} 天前";
    ConfirmTitle => "Replace your scenario?", "替换你的场景？";
    ConfirmExplain => "{0} would replace your scenario ({1} KB), which is too large to keep in Recent. Export it first to keep a copy.", "{0}将替换你的场景（{1} KB），它太大，无法保存在“最近”中。请先导出以保留副本。";
    ExportFirst => "Export mine first", "先导出我的场景";
    ReplaceAnyway => "Replace", "替换";
    Cancel => "Cancel", "取消";
    TooLarge => "This scenario is larger than {0} MiB, the most svcplay takes; nothing was loaded.", "该场景超过 {0} MiB（svcplay 能处理的上限），未加载任何内容。";
    SaveFailed => "Your scenario could not be saved in this browser (storage full or blocked): use Export to keep it.", "无法在此浏览器中保存你的场景（存储已满或被禁止）：请用“导出”保留它。";
    Paused => "Analysis paused", "分析已暂停";
    PausedTitle => "The analysis is paused", "分析已暂停";
    PausedExplain => "The text is shown as it was saved; nothing is computed until you resume. Fix or shorten the scenario first if it is what made the page stop.", "文本按保存时的样子显示；在你继续之前不会进行任何计算。如果正是这个场景让页面停止响应，请先修改或缩短它。";
    Resume => "Resume the analysis", "继续分析";
    SafeStartDraft => "Safe start: the last analysis of this draft did not finish (the page stopped or crashed), so it is paused.", "安全启动：上次对这份草稿的分析没有完成（页面停止响应或崩溃），因此已暂停分析。";
    SafeStartAsked => "Safe start (?safe): the analysis is paused.", "安全启动（?safe）：分析已暂停。";
    WorkerDied => "The analysis stopped: this scenario needs more memory or time than the page has. It is paused; edit it, then resume.", "分析中止：这个场景需要的内存或时间超出了页面的能力。已暂停；请修改后再继续。";
    ResizePanes => "Resize the editor and the views", "调整编辑器与视图的宽度";
    LabTitle => "Lab: {0}", "实验：{0}";
    CloseLab => "Hide the lab's explanation", "隐藏实验说明";
    Lessons => "Lessons", "课程";
    LessonsTitle => "Lessons: learn Services step by step", "课程：一步步学习 Service";
    LessonsIntro => "Each step starts from a scenario, says what to do and checks it as you go. Opening a step replaces the editor's text; yours is kept in Recent.", "每一步都从一个场景开始，说明要做什么，并随时检查你的操作。打开某一步会替换编辑器中的内容；原来的内容保存在“最近”中。";
    LessonImport => "Open a lesson file…", "打开课程文件…";
    LessonStart => "Start", "开始";
    LessonContinue => "Continue", "继续";
    LessonMinutes => "about {0} min", "约 {0} 分钟";
    LessonDone => "{0} of {1} steps done", "已完成 {0}/{1} 步";
    LessonSteps => "Lesson steps", "课程步骤";
    LessonStepOf => "Step {0} of {1}", "第 {0} 步，共 {1} 步";
    LessonPrev => "Previous step", "上一步";
    LessonPrevTitle => "Previous step (PageUp in presenter mode)", "上一步（演示模式下按 PageUp）";
    LessonNext => "Next step", "下一步";
    LessonNextTitle => "Next step (PageDown in presenter mode)", "下一步（演示模式下按 PageDown）";
    LessonClose => "Close the lesson", "关闭课程";
    LessonChecks => "Checks", "检查";
    LessonCheck => "Check", "检查";
    LessonChecking => "Checking…", "正在检查……";
    LessonPassed => "All checks pass: step done.", "全部检查通过：本步完成。";
    LessonFailing => "Not yet: {0} check(s) to go.", "还没有完成：还有 {0} 项检查未通过。";
    LessonCheckPassed => "passed", "通过";
    LessonCheckFailed => "not yet", "未通过";
    LessonHint => "Show a hint ({0} of {1} shown)", "显示提示（已显示 {0}/{1}）";
    LessonHintN => "Hint {0}:", "提示 {0}：";
    LessonSolve => "Show solution", "显示答案";
    LessonSolveTitle => "Applies the solution to your scenario; your text is kept in Recent (Bring back undoes it)", "把答案应用到你的场景中；原来的内容保存在“最近”中（“恢复我的场景”可撤销）";
    LessonReset => "Reset step", "重置本步";
    LessonResetTitle => "Starts the step again from its scenario; your text is kept in Recent", "从本步的初始场景重新开始；原来的内容保存在“最近”中";
    LessonRun => "Run", "运行";
    LessonRunTitle => "Run this command in the terminal", "在终端中运行这条命令";
    LessonPut => "Put in the editor", "放入编辑器";
    LessonPutTitle => "Adds this manifest to the scenario (or replaces the object of the same name)", "把这个清单加入场景（或替换同名对象）";
    LessonNotFound => "There is no lesson “{0}”.", "没有名为“{0}”的课程。";
    LessonBroken => "The lesson file cannot be read: {0}", "无法读取课程文件：{0}";
    LessonStartFailed => "This step cannot start: {0}", "这一步无法开始：{0}";
    LessonNotSameSite => "Lessons are only opened from this site's own address.", "只能打开本站地址下的课程。";
    LessonLink => "Link to this step", "本步骤的链接";
    Presenter => "Present", "演示";
    PresenterTitle => "Presenter mode: large type for a projector, PageUp/PageDown change step, Escape leaves", "演示模式：适合投影的大字号，PageUp/PageDown 切换步骤，Esc 退出";
    PresenterExit => "Leave presenter mode", "退出演示模式";
    PresenterExitTitle => "Back to the editor (Escape)", "回到编辑器（Esc）";
    PresenterQr => "Scan to open this step", "扫码打开这一步";
    PresenterLinkTooLong => "This lesson's link is too long for a QR code: share it another way.", "这个课程的链接太长，无法生成二维码：请用其他方式分享。";
    OpenInPlayground => "Open in svcplay", "在 svcplay 中打开";
    ReadOnly => "read-only", "只读";
    Computing => "Computing…", "计算中…";
    LargeScenario => "Large scenario: computed in the background.", "大型场景：在后台线程中计算。";
    EditorLabel => "Scenario (multi-document YAML)", "场景（多文档 YAML）";
    Undo => "Undo", "撤销";
    Redo => "Redo", "重做";
    Find => "Find", "查找";
    TabIndents => "Tab: indent", "Tab：缩进";
    TabMovesFocus => "Tab: next control", "Tab：下一个控件";
    TabModeExplain => "What the Tab key does in the editor", "编辑器中 Tab 键的作用";
    TabHint => "Tab indents. To leave the editor: Esc, then Tab.", "Tab 键用于缩进。离开编辑器：先按 Esc，再按 Tab。";
    WrapLines => "Wrap lines", "自动换行";
    RulesAsTable => "Table", "表格";
    RuleChain => "Chain", "链";
    RuleMatch => "Match", "匹配条件";
    RuleProbability => "Probability", "概率";
    RuleTarget => "Target", "目标";
    RuleComment => "Comment", "注释";
    FindPlaceholder => "Find in the scenario", "在场景中查找";
    FindNext => "Next match", "下一个";
    FindPrevious => "Previous match", "上一个";
    FindCount => "{0} of {1}", "第 {0}/{1} 个";
    FindNone => "no match", "无匹配";
    CursorAt => "line {0}, column {1}", "第 {0} 行，第 {1} 列";
    Problems => "Problems", "问题";
    FollowOn => "{0} more warnings may only follow from the syntax error at line {1}: show them", "另有 {0} 条警告可能只是第 {1} 行语法错误的后果：点击查看";
    NoProblems => "No problems: the API server accepts every object.", "没有问题：API Server 接受了所有对象。";
    At => "line {0}, column {1}", "第 {0} 行，第 {1} 列";
    Error => "error", "错误";
    Warning => "warning", "警告";
    TabRules => "kube-proxy", "kube-proxy";
    TabObjects => "Objects", "对象";
    TabSelectors => "Selectors", "选择器";
    TabEndpoints => "Endpoints", "端点";
    TabDns => "DNS", "DNS";
    TabTraffic => "Traffic", "流量";
    TabDiagram => "Diagram", "拓扑图";
    TabTerminal => "Terminal", "终端";
    TabChanges => "Changes", "变化";
    TabCompare => "Modes side by side", "模式对比";
    TabVersions => "Versions", "版本";
    LastEdit => "Last edit:", "上一次编辑：";
    EarlierEdit => "Earlier edit:", "更早的编辑：";
    ShowChanges => "What changed", "查看变化";
    ChangedNothing => "nothing changed downstream", "下游没有变化";
    ChangesExplain => "What each of your last {0} edits that changed something did downstream: endpoints, what kube-proxy programs (per chain, set or virtual server), DNS records and traffic shares, and which Services a real kube-proxy would resync.", "最近 {0} 次产生影响的编辑各自在下游造成的变化：端点、kube-proxy 写入的内容（按链、集合或虚拟服务）、DNS 记录和流量比例，以及真实的 kube-proxy 会重新同步哪些 Service。";
    ChangesWhere => "On node {0}, kube-proxy in {1} mode.", "节点 {0}，kube-proxy 使用 {1} 模式。";
    NoChangesYet => "Edit the scenario (scale a Deployment, change a port): what the edit changed shows here.", "编辑场景（例如扩缩 Deployment、修改端口），这里会显示这次编辑带来的变化。";
    Service => "Service", "Service";
    Added => "Added", "新增";
    Removed => "Removed", "移除";
    NowReady => "Now ready", "变为就绪";
    NowNotReady => "Now not ready", "变为未就绪";
    ChangedUnits => "What kube-proxy programs: {0} changed", "kube-proxy 写入的内容：{0} 处变化";
    TrafficShares => "Traffic shares", "流量比例";
    CompareExplain => "The same scenario on node {0} with kube-proxy in each mode: what it programs, the lines each Service takes, and where the same packet goes.", "同一个场景在节点 {0} 上，kube-proxy 分别使用各模式：写入的内容、每个 Service 占用的行数，以及同一个数据包的去向。";
    CompareModes => "Modes in columns", "对比的模式";
    CompareNoDestination => "The scenario has no Service address to send a packet to.", "场景中没有可发送数据包的 Service 地址。";
    ComparePacket => "The packet: {0}, from a client on the node.", "数据包：{0}，从节点上的客户端发出。";
    ComparePacketWalk => "The packet's walk", "数据包的路径";
    LinesPerService => "Lines per Service port", "每个 Service 端口的行数";
    FixedLines => "kube-proxy's fixed lines", "kube-proxy 的固定行";
    MigrationNotes => "What changes when you migrate", "迁移时需要注意的差异";
    AppliesHere => "applies to this scenario", "与本场景相关";
    RemovedMode => "removed in v1.26", "v1.26 已移除";
    CountRules => "rules", "规则";
    CountChains => "chains", "链";
    CountSets => "sets", "集合";
    CountElements => "set elements", "集合元素";
    CountVirtualServers => "virtual servers", "虚拟服务";
    CountRealServers => "real servers", "真实服务器";
    CountBound => "addresses on kube-ipvs0", "kube-ipvs0 上的地址";
    CountSockets => "proxy sockets", "代理套接字";
    VersionsExplain => "svcplay models Kubernetes {0} (svcplay {1}): each component below is reproduced at the version shown, its output byte for byte as that version prints it.", "svcplay 模拟的是 Kubernetes {0}（svcplay {1}）：下列各组件按所示版本重现，输出与该版本逐字节一致。";
    Component => "Component", "组件";
    Version => "Version", "版本";
    WhatIsModelled => "What svcplay reproduces", "svcplay 重现的内容";
    KnownDifferences => "Known differences from a real cluster", "与真实集群的已知差异";
    RuleWhat => "What it does:", "作用：";
    RuleComesFrom => "Comes from:", "来源：";
    RuleHint => "Point at a rule to see where it comes from and what it does; put the cursor on a Service port, an endpoint or a policy field in the editor to light up its rules.", "指向一条规则，可查看它的来源和作用；在编辑器中把光标放在 Service 端口、端点或策略字段上，可高亮它产生的规则。";
    RulesLit => "{0} lines come from the YAML at the cursor (highlighted).", "光标处的 YAML 产生了 {0} 行（已高亮）。";
    Views => "Views of the scenario", "场景视图";
    Node => "node", "节点";
    NodeColumn => "Node", "节点";
    Mode => "mode", "模式";
    ModeConfigured => "as configured ({0})", "按配置（{0}）";
    RestoreInput => "iptables-restore input", "iptables-restore 输入";
    IptablesSave => "iptables-save", "iptables-save";
    Ipvsadm => "ipvsadm -Ln", "ipvsadm -Ln";
    Ipset => "ipset list", "ipset list";
    KubeIpvs0 => "ip addr show kube-ipvs0", "ip addr show kube-ipvs0";
    NftTransaction => "nft -f transaction", "nft -f 事务";
    NftList => "nft list table", "nft list table";
    Userspace => "userspace proxy", "userspace 代理";
    RulesExplainIptables => "What kube-proxy writes with iptables-restore on this node. Click a rule to see the YAML it comes from.", "kube-proxy 在此节点上用 iptables-restore 写入的内容。点击一条规则，可在左侧看到产生它的 YAML。";
    RulesExplainSave => "What iptables-save prints on this node afterwards.", "之后在此节点上运行 iptables-save 看到的内容。";
    RulesExplainNft => "The transaction kube-proxy sends with nft -f. Click a line to see the YAML it comes from.", "kube-proxy 通过 nft -f 提交的事务。点击一行可查看产生它的 YAML。";
    RulesExplainCommand => "What this command prints on the node.", "在该节点上运行此命令的输出。";
    RulesExplainUserspace => "Removed in Kubernetes v1.26: what kube-proxy v1.25 did in userspace mode.", "Kubernetes v1.26 已移除：这是 kube-proxy v1.25 在 userspace 模式下的行为。";
    FilterRules => "Filter lines", "筛选行";
    FilterObject => "Only the rules of {0}", "仅显示 {0} 的规则";
    ClearFilter => "Show all", "显示全部";
    MoreLines => "{0} more lines are not shown: filter them or download the whole text.", "还有 {0} 行未显示：请筛选或下载完整文本。";
    NoLines => "No line matches.", "没有匹配的行。";
    Copy => "Copy", "复制";
    Copied => "Copied", "已复制";
    Download => "Download", "下载";
    ListingChanged => "The scenario changed meanwhile: press again for its rules.", "场景在此期间已变化，请再按一次以获取新的规则。";
    RuleFrom => "from {0}", "来自 {0}";
    Kind => "Kind", "类型";
    Namespace => "Namespace", "命名空间";
    Name => "Name", "名称";
    Origin => "From", "来源";
    Written => "written", "手写";
    Generated => "made by a controller", "控制器生成";
    Builtin => "built in", "内置";
    ApiServer => "API server", "API Server 的答复";
    HowWritten => "as written", "按所写";
    HowDefaulted => "default", "默认值";
    HowAllocated => "allocated", "自动分配";
    StoredFields => "As stored", "存储后的字段";
    AsKubectl => "As kubectl shows it", "kubectl 的输出";
    Actions => "Actions", "操作";
    ScaleUp => "Scale up", "扩容";
    ScaleDown => "Scale down", "缩容";
    MakeNotReady => "Make not ready", "设为未就绪";
    MakeReady => "Make ready", "设为就绪";
    DeletePod => "Delete", "删除";
    RestorePod => "Undelete", "取消删除";
    PodGone => "Finish terminating (gone)", "终止完成（移除）";
    NodeDown => "Lose node", "节点失联";
    NodeUp => "Node back", "节点恢复";
    ShowRules => "Rules", "规则";
    ShowInEditor => "Show in the editor", "在编辑器中显示";
    ActionFailed => "This action cannot edit the text here: {0}", "此操作无法修改文本：{0}";
    Selector => "Selector", "选择器";
    Selects => "Selects", "选中的 Pod";
    NotSelected => "Not selected, and why", "未选中的 Pod 及原因";
    OtherNamespaces => "Matching Pods in other namespaces (a Service never selects them)", "其他命名空间中标签匹配的 Pod（Service 不会选中它们）";
    NoSelector => "No selector: the controllers leave this Service's endpoints alone.", "没有选择器：控制器不会为此 Service 管理端点。";
    NoPods => "no Pod", "没有 Pod";
    Ready => "ready", "就绪";
    NotReady => "not ready", "未就绪";
    Serving => "serving", "可服务";
    Terminating => "terminating", "终止中";
    EndpointSlices => "EndpointSlices", "EndpointSlice（端点切片）";
    LegacyEndpoints => "Endpoints (legacy)", "Endpoints（旧版）";
    Address => "Address", "地址";
    Pod => "Pod", "Pod";
    Zone => "Zone", "可用区";
    Ports => "Ports", "端口";
    NotReadyAddresses => "not ready addresses", "未就绪地址";
    ForService => "for Service {0}", "属于 Service {0}";
    NoEndpointSlices => "No EndpointSlice.", "没有 EndpointSlice。";
    DnsExplain => "The names cluster DNS (CoreDNS) answers for the Services. Ask more with dig in the terminal.", "集群 DNS（CoreDNS）为各 Service 应答的名字。可在终端中用 dig 查询更多。";
    DnsType => "Type", "类型";
    DnsAnswer => "Answer", "应答";
    NoDnsNames => "No Service has a DNS name yet.", "还没有 Service 的 DNS 名称。";
    TrafficSimTitle => "Simulate requests", "模拟请求";
    TrafficSimExplain => "Each request walks this node's kube-proxy rules, like a real connection; every random choice comes from the seed, so the same seed gives the same numbers (as svcplay simulate does).", "每个请求都像真实连接一样经过该节点的 kube-proxy 规则；所有随机选择都来自种子，同一个种子得到同样的结果（与 svcplay simulate 一致）。";
    TrafficDestination => "Destination", "目标";
    TrafficRequests => "Requests", "请求数";
    TrafficSeed => "Seed", "种子";
    TrafficNewSeed => "New seed", "新种子";
    TrafficAnimate => "Animate", "动画";
    TrafficPressRun => "Press Run to send the requests.", "点击“运行”发送请求。";
    TrafficRunCaption => "{0} requests from {1} to {2}, through the rules of node {3} ({4} mode, seed {5})", "{0} 个请求：从 {1} 到 {2}，经过节点 {3} 的规则（{4} 模式，种子 {5}）";
    TrafficProgress => "{0} of {1} requests sent", "已发送 {0} / {1} 个请求";
    TrafficDone => "All {0} requests sent.", "{0} 个请求已全部发送。";
    TrafficAffinity => "Session affinity ClientIP ({0} s): this client stays on one endpoint until it is idle that long; Expected is a new client's first request.", "会话亲和性 ClientIP（{0} 秒）：该客户端会一直落在同一个端点上，直到空闲这么久；理论比例指新客户端的第一个请求。";
    TrafficSpreadTitle => "The same requests from a client on each of the {0} nodes", "同样的请求，分别从 {0} 个节点上的客户端发出";
    TrafficSpreadExplain => "Each node's first Pod (else the node itself) sends an equal share, through that node's own rules: Local traffic policies and topology hints show per client node.", "每个节点上的第一个 Pod（没有则用节点本身）发送相同份额的请求，经过该节点自己的规则：Local 流量策略和拓扑提示按客户端节点体现。";
    TrafficClientNode => "Client node", "客户端节点";
    TrafficMode => "Mode", "模式";
    TrafficClient => "Client", "客户端";
    TrafficAllNodes => "(all nodes)", "（全部节点）";
    TrafficChainsTitle => "Expected shares from this node, for every Service", "从该节点出发时每个 Service 的理论比例";
    ClientNode => "node {0} itself", "节点 {0} 本身";
    ClientPod => "Pod {0} on {1}", "Pod {0}（节点 {1}）";
    ClientExternal => "external client, arriving at node {0}", "外部客户端，到达节点 {0}";
    DestClusterIp => "{0}: ClusterIP {1}", "{0} 的 ClusterIP {1}";
    DestNodePort => "{0}: NodePort {1} on node {2}", "{0}：节点 {2} 上的 NodePort {1}";
    DestExternalIp => "{0}: externalIP {1}", "{0}：外部 IP {1}";
    DestLoadBalancer => "{0}: load-balancer IP {1}", "{0}：负载均衡器 IP {1}";
    Count => "Count", "次数";
    Observed => "Observed", "实际比例";
    Expected => "Expected", "理论比例";
    Dropped => "(dropped)", "（丢弃）";
    Rejected => "(rejected)", "（拒绝）";
    NotProxied => "(not proxied)", "（未被代理）";
    ClientIpPreserved => "Client IP: preserved (the endpoints see {0}).", "客户端 IP：保留（端点看到的是 {0}）。";
    ClientIpMasqueraded => "Client IP: masqueraded (the endpoints see the node's address).", "客户端 IP：被伪装（端点看到的是节点的地址）。";
    ClientIpPartly => "Client IP: masqueraded for {0} of {1} requests.", "客户端 IP:{1} 个请求中有 {0} 个被伪装。";
    ClientIpNone => "No request reached an endpoint.", "没有请求到达端点。";
    WatchTitle => "Watch the requests on the cluster", "在集群图上观看请求";
    WatchExplain => "The first {0} requests of this run, one at a time: each leaves its client, meets the kube-proxy of the node that handles it (the rule that chose is shown as it happens), crosses to the Pod's node when it must, and lands on a Pod, whose counter grows. Each request is the simulation's own, walked through the rules with its own random draws: the same seed gives the same animation.", "本次运行的前 {0} 个请求，逐个播放：每个请求从客户端出发，经过处理它的节点上的 kube-proxy（实时显示做出选择的规则），必要时跨到 Pod 所在的节点，最后落到某个 Pod 上，其计数随之增加。每个请求都是模拟中的同一个请求，按它自己的随机抽样走过规则：同一个种子得到同样的动画。";
    WatchPlay => "Play", "播放";
    WatchPause => "Pause", "暂停";
    WatchStep => "Step", "单步";
    WatchStepLabel => "Next request, shown with its walk", "下一个请求（显示其路径）";
    WatchBack => "Back", "后退";
    WatchBackLabel => "Previous request", "上一个请求";
    WatchRestart => "Restart", "重新开始";
    WatchSpeed => "Speed", "速度";
    WatchKeys => "Keys on the picture: Space plays or pauses, → steps one request, ← goes back one.", "在图上可用按键：空格播放或暂停，→ 前进一个请求，← 后退一个请求。";
    WatchPosition => "Request {0} of {1}, sent at {2} s on the simulated clock", "第 {0} / {1} 个请求，模拟时钟 {2} 秒时发出";
    WatchNotStarted => "No request sent yet: press Play or Step.", "还没有发送请求：点击“播放”或“单步”。";
    WatchLanded => "Landed on Pod {0} on node {1}.", "落在节点 {1} 上的 Pod {0}。";
    WatchLandedEndpoint => "Landed on {0}.", "落在 {0}。";
    WatchCrossed => "Crossed from node {0} to node {1}.", "从节点 {0} 跨到节点 {1}。";
    WatchMasquerade => "Source rewritten to the node's address (masquerade).", "源地址被改写为节点地址（伪装）。";
    WatchPreserved => "Client IP preserved.", "保留了客户端 IP。";
    WatchPinned => "Pinned by ClientIP affinity: the same endpoint as this client's last request.", "被 ClientIP 会话亲和固定：与该客户端上一个请求相同的端点。";
    WatchDroppedAt => "Dropped by kube-proxy's rules on node {0}.", "被节点 {0} 上 kube-proxy 的规则丢弃。";
    WatchRejectedAt => "Rejected by kube-proxy's rules on node {0}.", "被节点 {0} 上 kube-proxy 的规则拒绝。";
    WatchNotProxiedAt => "No kube-proxy rule on node {0} handled it.", "节点 {0} 上没有 kube-proxy 规则处理它。";
    WatchChose => "Chosen by {0}: {1}", "由 {0} 选择：{1}";
    WatchWalkTitle => "The walk of request {0} through kube-proxy on node {1}", "第 {0} 个请求经过节点 {1} 上 kube-proxy 的路径";
    WatchOutside => "external client {0}", "外部客户端 {0}";
    WatchDiagramLabel => "The cluster, with the way of the current request and a counter on each Pod", "集群图：当前请求的路径，以及每个 Pod 上的计数";
    WatchMasqTag => "MASQ", "伪装";
    WatchPinTag => "affinity", "亲和";
    WatchDropTag => "DROP", "丢弃";
    WatchRejectTag => "REJECT", "拒绝";
    KubeProxy => "kube-proxy", "kube-proxy";
    CurlTitle => "The curl loop", "curl 循环";
    CurlExplain => "The first {0} requests in order, with the same seed: in turn in IPVS mode (rr), at random in iptables and nftables mode, always the same Pod with ClientIP affinity.", "按顺序列出前 {0} 个请求（同一个种子）：IPVS 模式（rr）下轮流，iptables 和 nftables 模式下随机，ClientIP 会话亲和时始终是同一个 Pod。";
    EventsTitle => "Events", "事件";
    EventsExplain => "Each event edits the scenario text (Ctrl+Z in the editor undoes it); the same requests then run again, and the distributions before and after are shown side by side.", "每个事件都会修改场景文本（在编辑器中按 Ctrl+Z 可撤销）；随后重新发送同样的请求，并排显示事件前后的分布。";
    CompareCaption => "Before and after: {0}", "事件前后：{0}";
    Before => "Before", "之前";
    After => "After", "之后";
    TrafficExplain => "Where a new request from this node to each ClusterIP lands, computed from the rules as the simulator computes its EXPECTED column (the probabilities the kernel stores, every branch of the walk), not sampled.", "从该节点发往每个 ClusterIP 的新请求会落在哪里：与模拟器的 EXPECTED 列用同一方法根据规则算出（内核实际保存的概率，遍历每条分支），不是抽样。";
    NoTraffic => "No Service distributes traffic on this node.", "此节点上没有分配流量的 Service。";
    ShareOfTraffic => "Share", "比例";
    Endpoint => "Endpoint", "端点";
    DiagramLabel => "Diagram of the cluster: Services, nodes and Pods", "集群拓扑：Service、节点和 Pod";
    ZoomIn => "Zoom in", "放大";
    ZoomOut => "Zoom out", "缩小";
    ResetView => "Reset the view", "重置视图";
    FitDiagram => "Fit", "适应宽度";
    ExportSvg => "Save the diagram as SVG", "将拓扑图保存为 SVG";
    ExportPng => "Save the diagram as PNG", "将拓扑图保存为 PNG";
    DiagramHint => "Drag to pan, scroll to zoom. Arrows go from each Service to the Pods it selects; dashed arrows lead to Pods that get no traffic.", "拖动可平移，滚轮可缩放。箭头从 Service 指向它选中的 Pod；虚线箭头表示该 Pod 不接收流量。";
    Omitted => "{0} Services and {1} Pods are not drawn.", "有 {0} 个 Service 和 {1} 个 Pod 未绘制。";
    Unscheduled => "(no known node)", "（未知节点）";
    NodeNotReady => "NotReady", "NotReady";
    TerminalLabel => "Terminal: run commands against the simulated cluster", "终端：对模拟集群运行命令";
    TerminalPlaceholder => "kubectl get svc -n dev", "kubectl get svc -n dev";
    TerminalWelcome => "A shell on node {0} of the scenario's cluster: kubectl (get, describe, apply, edit, exec -it…), iptables, ipvsadm, curl, dig, vi. What changes the cluster changes the scenario (Ctrl+Z in the editor undoes it). Type help; Tab completes, ↑ ↓ walk the history, Ctrl+C stops a loop, Ctrl+R searches.", "场景集群节点 {0} 上的 shell：kubectl（get、describe、apply、edit、exec -it…）、iptables、ipvsadm、curl、dig、vi。修改集群的命令会修改场景（在编辑器中按 Ctrl+Z 撤销）。输入 help 查看帮助；Tab 补全，↑ ↓ 浏览历史，Ctrl+C 停止循环，Ctrl+R 搜索历史。";
    TerminalRunning => "Running — Ctrl+C stops it", "运行中 — 按 Ctrl+C 停止";
    TerminalStop => "Stop (Ctrl+C)", "停止（Ctrl+C）";
    TerminalSearch => "(reverse-i-search)", "（反向搜索）";
    EditorSave => "Save and quit (:wq)", "保存并退出（:wq）";
    EditorQuit => "Quit without saving (:q!)", "不保存退出（:q!）";
    EditorTitle => "Editing {0}", "正在编辑 {0}";
    TerminalHelp => "Try:\n  kubectl get svc -A\n  kubectl get endpointslices -n dev\n  kubectl describe svc -n dev\n  iptables-save\n  ipvsadm -Ln\n  ipset list\n  nft list table ip kube-proxy\n  dig service-clusterip.dev.svc.cluster.local\n  clear", "试试：\n  kubectl get svc -A\n  kubectl get endpointslices -n dev\n  kubectl describe svc -n dev\n  iptables-save\n  ipvsadm -Ln\n  ipset list\n  nft list table ip kube-proxy\n  dig service-clusterip.dev.svc.cluster.local\n  clear";
    Run => "Run", "运行";
    ShortcutHelp => "Show this help", "显示本帮助";
    ShortcutTabs => "Switch view (1 kube-proxy … 9 diagram, 0 terminal); in the tab list: arrows, Home, End", "切换视图（1 kube-proxy … 9 拓扑图，0 终端）；在标签栏中：方向键、Home、End";
    ShortcutMoreTabs => "What changed, the modes side by side, the versions", "变化、模式对比、版本";
    ShortcutGallery => "Open the examples", "打开示例";
    ShortcutLanguage => "Switch the language", "切换语言";
    ShortcutTheme => "Switch the theme", "切换主题";
    ShortcutEditor => "Go to the editor", "跳到编辑器";
    ShortcutTerminal => "Go to the terminal", "跳到终端";
    ShortcutFind => "Find in the editor", "在编辑器中查找";
    ShortcutUndo => "Undo / redo in the editor", "编辑器撤销 / 重做";
    ShortcutTab => "Indent / outdent (Esc, then Tab leaves the editor)", "缩进 / 取消缩进（先按 Esc 再按 Tab 可离开编辑器）";
    ShortcutEscape => "Close a dialog", "关闭对话框";
    ShortcutShare => "Copy a share link", "复制分享链接";
    TabNodes => "Per node", "各节点";
    TabCheck => "Check a node", "检查节点";
    NodesExplain => "What each node does with a connection from outside the cluster (client 203.0.113.7) to a NodePort or a load balancer's IP, walked through that node's rules: accept (a Pod on this node answers), forward (to Pods on other nodes), drop or reject. With externalTrafficPolicy: Local a node keeps the client's IP and serves only its own Pods; the health-check NodePort tells the load balancer which nodes have them.", "每个节点如何处理从集群外部（客户端 203.0.113.7）访问 NodePort 或负载均衡器 IP 的连接，按该节点的规则逐条走过：接收（本节点的 Pod 应答）、转发（发往其他节点的 Pod）、丢弃或拒绝。externalTrafficPolicy： Local 时节点保留客户端 IP，只交给本节点的 Pod；健康检查 NodePort 告诉负载均衡器哪些节点有 Pod。";
    NoNodePorts => "No NodePort or LoadBalancer Service in the scenario.", "场景中没有 NodePort 或 LoadBalancer 类型的 Service。";
    ColDestination => "Destination", "目标地址";
    ColTraffic => "Traffic", "处理";
    ColPods => "Pods", "Pod 列表";
    ColClientIp => "Client IP", "客户端 IP";
    ColDecidedBy => "Decided by", "决定的规则";
    ColHealth => "Health check", "健康检查";
    VerdictAccept => "accept", "接收";
    VerdictForward => "forward", "转发";
    VerdictDrop => "drop", "丢弃";
    VerdictReject => "reject", "拒绝";
    VerdictNoRule => "no rule", "无规则";
    ClientPreserved => "preserved", "保留";
    ClientMasqueraded => "masqueraded (SNAT)", "被伪装（SNAT）";
    ClientBypass => "preserved, but the Pod replies directly and the client drops the reply", "保留，但 Pod 直接回复，客户端会丢弃该回复";
    PodHere => "this node", "本节点";
    CheckExplain => "Paste what a real node prints — iptables-save, ip6tables-save, ipvsadm -Ln with ipset list, or nft list ruleset — and svcplay compares kube-proxy's own rules with what it should have programmed on the node chosen here. Rules of kubelet and the CNI plugin are ignored; the dump never leaves the page.", "粘贴真实节点的输出（iptables-save、ip6tables-save、ipvsadm -Ln 加 ipset list，或 nft list ruleset),svcplay 会把 kube-proxy 自己的规则与它在所选节点上应当写入的规则进行比较。kubelet 和 CNI 插件的规则会被忽略；转储内容不会离开页面。";
    CheckDump => "Node dump", "节点转储";
    CheckPlaceholder => "Paste the output of iptables-save, ipvsadm -Ln and ipset list, or nft list ruleset", "在此粘贴 iptables-save、ipvsadm -Ln 与 ipset list，或 nft list ruleset 的输出";
    CheckEmpty => "Nothing pasted yet.", "尚未粘贴内容。";
    CheckMatches => "{0} matches the scenario.", "{0} 与场景一致。";
    CheckDrift => "Drift on {0}: {1} missing, {2} extra, {3} stale.", "{0} 上有偏差：缺少 {1} 条，多余 {2} 条，残留 {3} 条。";
    CheckApart => "{0} differences are not counted: another Kubernetes release or the node's kernel explains them.", "另有 {0} 处差异不计入：由其他 Kubernetes 版本或节点内核造成。";
    CheckNotDrift => "Not drift: another Kubernetes release or the node's kernel", "不算偏差：其他 Kubernetes 版本或节点内核造成的差异";
    CheckLegend => "Chains named by a hash", "以哈希命名的链";
    FindingMissing => "missing", "缺少";
    FindingExtra => "extra", "多余";
    FindingStale => "stale", "残留";
    FindingVersion => "version", "版本差异";
    FindingRuntime => "runtime", "内核差异";
    ColFinding => "Finding", "结果";
    ColTable => "Table", "表";
    ColChain => "Chain", "链";
    ColRule => "Rule", "规则";
    ColLine => "Line", "行";
    NotComputed => "Not computed yet.", "尚未计算。";
    SkipToViews => "Skip to the views", "跳到视图";
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has_cjk(s: &str) -> bool {
        s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    }

    /// Texts that are the same in both languages on purpose: command names, Kubernetes'
    /// own words, and the language switch (which names the other language).
    const SAME_IN_BOTH: &[&str] = &[
        "TabRules",
        "TabDns",
        "IptablesSave",
        "Ipvsadm",
        "Ipset",
        "KubeIpvs0",
        "NftList",
        "Pod",
        "NodeNotReady",
        "TerminalPlaceholder",
        "Service",
        "KubeProxy",
    ];

    #[test]
    fn every_message_has_both_languages() {
        for m in Msg::ALL {
            let (en, zh) = (m.text(Lang::En), m.text(Lang::Zh));
            assert!(!en.trim().is_empty(), "{} has no English text", m.key());
            assert!(!zh.trim().is_empty(), "{} has no Chinese text", m.key());
            if SAME_IN_BOTH.contains(&m.key()) {
                continue;
            }
            if *m == Msg::SwitchLanguage {
                assert!(has_cjk(en) && !has_cjk(zh));
                continue;
            }
            assert!(
                has_cjk(zh),
                "{}: the Chinese text is not Chinese: {zh}",
                m.key()
            );
            assert!(
                !has_cjk(en),
                "{}: the English text has Chinese: {en}",
                m.key()
            );
            // Both texts take the same placeholders.
            for i in 0..4 {
                let p = format!("{{{i}}}");
                assert_eq!(en.contains(&p), zh.contains(&p), "{}: {p}", m.key());
            }
        }
    }

    #[test]
    fn languages_parse_from_browser_codes() {
        assert_eq!(Lang::parse("zh-CN"), Some(Lang::Zh));
        assert_eq!(Lang::parse("zh-Hans-CN"), Some(Lang::Zh));
        assert_eq!(Lang::parse("en-GB"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(Msg::At.fill(Lang::En, &["7", "3"]), "line 7, column 3");
        assert_eq!(Msg::At.fill(Lang::Zh, &["7", "3"]), "第 7 行，第 3 列");
    }

    /// Characters that only Traditional Chinese writes (the page is in Simplified Chinese):
    /// the Traditional forms of words the page and its labs use.
    const TRADITIONAL: &str = "務詳說這個們來時會對為與從點選擇網絡節數據設應複認號圖區開關閉顯動態體畫實驗練習場規則檔線請問題錯誤後處載務轉發機";

    /// What is wrong with a Chinese text's typography: half-width `, : ; ( )` next to a
    /// Chinese character (a Chinese sentence takes the full-width `，：；（）`; ASCII stays
    /// inside code, names and numbers), and Traditional characters.
    pub fn chinese_typography(text: &str) -> Vec<String> {
        let chars: Vec<char> = text.chars().collect();
        let is_cjk = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
        let neighbour = |i: usize, forward: bool| {
            let mut j = i as isize;
            loop {
                j += if forward { 1 } else { -1 };
                match usize::try_from(j).ok().and_then(|j| chars.get(j)) {
                    Some(' ') => continue,
                    Some(c) => return Some(*c),
                    None => return None,
                }
            }
        };
        let mut problems = Vec::new();
        for (i, c) in chars.iter().enumerate() {
            if ",:;()".contains(*c)
                && (neighbour(i, false).is_some_and(is_cjk)
                    || neighbour(i, true).is_some_and(is_cjk))
            {
                let around: String = chars[i.saturating_sub(6)..(i + 6).min(chars.len())]
                    .iter()
                    .collect();
                problems.push(format!("half-width {c:?} in {around:?}"));
            }
            if TRADITIONAL.contains(*c) {
                problems.push(format!("Traditional {c:?}"));
            }
        }
        problems
    }

    #[test]
    fn chinese_text_uses_full_width_punctuation_and_simplified_characters() {
        assert_eq!(
            chinese_typography("没有问题：API Server 接受（全部）。10.0.0.1:80"),
            Vec::<String>::new()
        );
        assert_eq!(chinese_typography("没有问题:API").len(), 1);
        assert_eq!(chinese_typography("第 1 行,第 1 列").len(), 1);
        assert_eq!(chinese_typography("客户端 IP:被伪装(端点)").len(), 3);
        assert_eq!(chinese_typography("Service服務詳解").len(), 2);
        let mut problems = Vec::new();
        for m in Msg::ALL {
            for p in chinese_typography(m.text(Lang::Zh)) {
                problems.push(format!("{}: {p}", m.key()));
            }
        }
        for e in svcplay::examples::EXAMPLES {
            let zh = [
                e.title[1],
                e.explanation[1],
                svcplay::examples::localized(e, 1),
            ];
            for text in zh {
                // In the YAML only the comments are Chinese sentences.
                let sentences: Vec<&str> = text
                    .lines()
                    .map(|l| {
                        l.find('#')
                            .map_or(if text == zh[2] { "" } else { l }, |at| &l[at..])
                    })
                    .collect();
                for p in chinese_typography(&sentences.join("\n")) {
                    problems.push(format!("example {}: {p}", e.id));
                }
            }
        }
        let index = include_str!("../../index.html");
        for line in index
            .lines()
            .filter(|l| l.contains("zh-CN") || l.contains("svcplay 在"))
        {
            for p in chinese_typography(line) {
                problems.push(format!("index.html: {p}"));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    /// Visible text written straight into the markup would not be translated: every
    /// literal in an `html!` text position (`{ "..." }`) or a visible attribute must be
    /// a symbol, a command or a name that is the same in every language.
    #[test]
    fn the_markup_has_no_untranslated_text() {
        let allowed = [
            "svcplay",
            "×",
            "▲",
            "▼",
            "−",
            "+",
            "⟲",
            "?",
            "$",
            "#",
            "/",
            ":",
            "·",
            "—",
            "…",
            " ",
            ", ",
            "…/",
            "%",
            "Esc",
            "Tab",
            "Shift+Tab",
            "Ctrl+F",
            "Ctrl+Z",
            "Ctrl+Shift+Z",
            "Alt+1…8",
            "Alt+G",
            "Alt+L",
            "Alt+D",
            "Alt+E",
            "Alt+T",
            "Alt+S",
            "●",
            "⚠",
            "✓",
            "✗",
            "↗",
            // File formats, named the same in every language.
            "SVG",
            "PNG",
        ];
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/ui");
        let mut problems = Vec::new();
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        svcplay::sort::sort(&mut files);
        for path in files
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        {
            if path.ends_with("i18n.rs") {
                continue;
            }
            let source = std::fs::read_to_string(path).unwrap_or_default();
            for pattern in [
                "{ \"",
                "title=\"",
                "aria-label=\"",
                "placeholder=\"",
                "alt=\"",
            ] {
                for (at, _) in source.match_indices(pattern) {
                    // `{ "…" }` is text only right after a tag or another child
                    // (`<td>{ "…" }`, `}{ "…" }`), not in `if c { "class" } else …`.
                    let before = source[..at].trim_end().chars().last();
                    if pattern == "{ \"" && !matches!(before, Some('>' | '}')) {
                        continue;
                    }
                    let rest = &source[at + pattern.len()..];
                    let literal = &rest[..rest.find('"').unwrap_or(0)];
                    let literal = literal.replace("\\n", "");
                    let letters = literal.chars().any(|c| c.is_alphabetic());
                    if letters && !allowed.contains(&literal.as_str()) {
                        problems.push(format!("{}: {literal:?}", path.display()));
                    }
                }
            }
        }
        assert!(
            problems.is_empty(),
            "untranslated text in the markup:\n{}",
            problems.join("\n")
        );
    }
}
