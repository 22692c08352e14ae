from casedesk.entry import main

main()
