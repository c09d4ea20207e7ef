from jishu.cli import main

main()
